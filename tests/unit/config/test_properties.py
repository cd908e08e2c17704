"""Property tests: whatever JSON the files hold, the loader returns a DesiredState or raises ConfigError.

Three generators: arbitrary JSON, config-shaped documents (the right keys with arbitrary values),
and well-formed providers with random ``$extend`` graphs, overlays, ``$delete`` and references.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmproxy.config import load_config
from llmproxy.errors import ConfigError

SETTINGS = settings(max_examples=550, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORKDIR = Path(tempfile.mkdtemp(prefix="llmproxy-fuzz-"))


@pytest.fixture(autouse=True, scope="module")
def _remove_workdir() -> Any:
    yield
    shutil.rmtree(WORKDIR, ignore_errors=True)

NAMES = st.sampled_from(["a", "b", "c", "d"])
MODEL_IDS = st.sampled_from(["m1", "m2", "gemini-2.5", "x/y"])
EXPOSED = st.sampled_from(["n1", "n2", "m1", "a,b", "*"])
TEXT = st.text(st.sampled_from("ab$/{}*., -_Xn1"), max_size=8)
SCALARS = st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=12)
SMALL_JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
                          max_leaves=4)

TOP_KEYS = ["providers", "models", "aliases", "fallbacks", "router_settings", "owner", "keys",
            "model_name_base_model_map", "$schema", "$delete"]
PROVIDER_KEYS = ["api_base", "api_key", "access_groups", "interfaces", "models", "default_model",
                 "models_api_base", "$extend", "$delete"]


def _shaped(keys: list[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | TEXT, value, max_size=4)


CONFIG_SHAPED = _shaped(TOP_KEYS, SMALL_JSON | st.dictionaries(NAMES, _shaped(PROVIDER_KEYS, SMALL_JSON), max_size=3))

MODEL = st.none() | st.fixed_dictionaries({}, optional={
    "model_name": EXPOSED, "ignored": st.booleans(), "model_name_prefix": st.sampled_from(["", "x/"]),
    "model_names": st.lists(EXPOSED, max_size=2) | st.sampled_from(["a,b", ",a", "", " , ", "a,a"])
    | st.dictionaries(EXPOSED | st.just("$self"), st.none() | st.fixed_dictionaries({}, optional={
        "model_name_prefix": st.sampled_from(["", "y/"]), "access_groups": st.lists(st.just("G"), max_size=1),
        "model_info": st.dictionaries(st.sampled_from(["mode", "$delete"]), TEXT | st.just(["mode"]))}),
        max_size=2),
    "access_groups": st.lists(st.sampled_from(["G", "P"]), max_size=2),
    "model_info": st.dictionaries(st.sampled_from(["base_model", "mode", "$delete"]), TEXT | st.just(["mode"])),
    "$delete": st.lists(st.sampled_from(["model_name", "ignored", "model_info"]), max_size=2),
})
INTERFACE = st.none() | st.fixed_dictionaries({}, optional={
    "model_name_prefix": st.sampled_from(["", "gw/", "openai/"]),
    "api_base": st.sampled_from(["http://iface:2", "os.environ/I"]),
    "models": st.dictionaries(MODEL_IDS, MODEL, max_size=2),
})
PROVIDER = st.fixed_dictionaries({}, optional={
    "$extend": st.none() | NAMES,
    "api_base": st.sampled_from(["http://gw:1", "http://gw:1/v1/", "os.environ/B", "${LLMPROXY_FUZZ_SET}"]),
    "api_key": st.sampled_from(["sk-fuzz-key", "os.environ/K", "${LLMPROXY_FUZZ_SET}", "${LLMPROXY_FUZZ_UNSET}", ""]),
    "access_groups": st.lists(st.sampled_from(["G", "P"]), max_size=2),
    "interfaces": st.dictionaries(st.sampled_from(["openai", "anthropic", "gemini"]), INTERFACE, max_size=3),
    "models": st.dictionaries(MODEL_IDS, MODEL, max_size=3),
    "default_model": st.fixed_dictionaries({}, optional={"model_info": st.dictionaries(st.just("mode"), TEXT),
                                                         "ignored": st.booleans()}),
    "$delete": st.lists(st.sampled_from(["interfaces", "models", "api_key", "$extend"]), max_size=2),
})
REFERENCE = st.sampled_from(["anthropic/n1", "openai/m1", "gw/n2", "al1", "al2", "n1", "*", "anthropic/*"])
WELL_FORMED = st.fixed_dictionaries({}, optional={
    "providers": st.dictionaries(NAMES, PROVIDER, max_size=4),
    "aliases": st.dictionaries(st.sampled_from(["al1", "al2", "al-*", "anthropic/n1"]), REFERENCE, max_size=3),
    "fallbacks": st.lists(st.dictionaries(st.sampled_from(["al1", "al1,n1", "openai/m1", ","]),
                                          st.lists(REFERENCE, max_size=2), max_size=2), max_size=2),
    "models": st.lists(st.fixed_dictionaries({"model_name": REFERENCE,
                                              "litellm_params": st.fixed_dictionaries({"model": MODEL_IDS})}),
                       max_size=2),
    "router_settings": st.fixed_dictionaries({}, optional={
        "routing_strategy": st.sampled_from(["simple-shuffle", "bogus"]), "num_retries": st.integers(-1, 3)}),
})
OVERLAY = st.none() | st.fixed_dictionaries({}, optional={
    "providers": st.dictionaries(NAMES, PROVIDER, max_size=2) | st.just({"$delete": ["a", "b"]}),
    "aliases": st.dictionaries(st.sampled_from(["al1", "al2", "$delete"]), REFERENCE | st.just(["al1"]), max_size=2),
})


def _load(base: Any, overlay: Any) -> None:
    """Load from files; anything but success or ConfigError fails the test."""
    with mock.patch.dict(os.environ, {"LLMPROXY_FUZZ_SET": "sk-set-value"}):
        os.environ.pop("LLMPROXY_FUZZ_UNSET", None)
        config, local = WORKDIR / "config.json", WORKDIR / "config.local.json"
        config.write_text(base if isinstance(base, str) else json.dumps(base))
        if overlay is None:
            local.unlink(missing_ok=True)
        else:
            local.write_text(json.dumps(overlay))
        try:
            loaded = load_config(config)
        except ConfigError as exc:
            assert exc.issues, "a ConfigError must carry at least one issue"
            return
        desired = loaded.desired
        # Invariants of anything that loads.
        identities = [d.identity for d in desired.deployments or ()]
        assert len(identities) == len(set(identities))
        credentials = {c.name for c in desired.credentials or ()}
        for deployment in desired.deployments or ():
            assert deployment.model
            if deployment.source.startswith("providers"):
                assert deployment.credential in credentials
                assert deployment.model_info["base_model"]
        json.dumps(desired.to_json())


@SETTINGS
@given(base=JSON, overlay=st.none() | JSON)
def test_arbitrary_json(base: Any, overlay: Any) -> None:
    _load(base, overlay)


@SETTINGS
@given(base=CONFIG_SHAPED, overlay=st.none() | CONFIG_SHAPED)
def test_config_shaped_json(base: Any, overlay: Any) -> None:
    _load(base, overlay)


@SETTINGS
@given(base=WELL_FORMED, overlay=OVERLAY)
def test_providers_with_random_extend_graphs_and_overlays(base: Any, overlay: Any) -> None:
    _load(base, overlay)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_arbitrary_file_text(text: str) -> None:
    _load(text, None)
