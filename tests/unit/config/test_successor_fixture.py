"""A config in the successor scripts' syntax (tests/fixtures/successor) and the seed config: what
the successor generates from them, and what llmproxy makes of them, difference by difference.

``SUCCESSOR_*`` is what the successor's ``config generate`` produces (worked out from its
``config_generate.py`` and tests; order aside: it sorts models, llmproxy keeps file order).
``to_llmproxy`` applies the deliberate differences, each one named; the result must be exactly
what llmproxy loads.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from llmproxy.config import load_config
from llmproxy.config.discovery import Listing
from tests.unit.config.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "successor"
COMPONENTS = FIXTURE / "components" / "llmproxy"
LAYERS = [COMPONENTS / "litellm/configs/config.json",
          COMPONENTS / "gateway/integrations/llmproxy/litellm/config.json",
          COMPONENTS / "extra/integrations/llmproxy/litellm/config.json"]
KEYS = {"gateway": "os.environ/GATEWAY_API_KEY", "gateway-eu": "os.environ/GATEWAY_API_KEY",
        "extra": "os.environ/EXTRA_API_KEY", "lister": "os.environ/LISTER_API_KEY"}


LISTS = {("openai", "http://lister-models:7000"): ("found-a", "skip-me"),
         ("anthropic", "http://lister-anthropic:7001"): ("found-b",)}


def _lister(interface: str, base: str, key: str) -> Listing:
    assert key == "sk-lister-1234"
    return Listing(f"{base}/v1/models", LISTS[(interface, base)])


def _m(name: str, model: str, credential: str | None, info: dict[str, Any], **params: Any) -> dict[str, Any]:
    litellm_params = {"model": model, **({"litellm_credential_name": credential} if credential else {}), **params}
    return {"model_name": name, "litellm_params": litellm_params, "model_info": info}


GW, GW_OA, GW_GE, EU = "gateway-anthropic", "gateway-openai", "gateway-gemini", "gateway-eu-anthropic"
GPT = {"max_input_tokens": 272000, "max_output_tokens": 32000, "access_groups": ["General"], "base_model": "gpt-5"}
PRIMARY = {**GPT, "max_input_tokens": 128000}
GPT_PATTERN = {**GPT, "access_groups": []}
QWEN = {"max_input_tokens": 272000, "access_groups": ["General"], "base_model": "openrouter/qwen/qwen3.6-plus"}
PRO = {"max_input_tokens": 272000, "access_groups": ["VIP"], "base_model": "example-model-pro"}
# The successor keeps max_input_tokens: the "$delete" of it is in a component layer (see 6 below).
IMAGE = {"max_input_tokens": 272000, "mode": "image_generation", "access_groups": ["General"],
         "base_model": "gpt-image-2"}

SUCCESSOR_MODELS = [
    # provider models: model_names object ($self, per-name overrides and prefix), ",qwen", prefixes
    _m("anthropic/gpt-5.5", "anthropic/gpt-5.5", GW, GPT, timeout=600),
    _m("anthropic/primary", "anthropic/gpt-5.5", GW, PRIMARY, timeout=600),
    _m("gpt-*", "anthropic/gpt-5.5", GW, GPT_PATTERN, timeout=600),
    _m("anthropic/qwen3.6-plus", "anthropic/qwen3.6-plus", GW, QWEN, timeout=600),
    _m("anthropic/qwen", "anthropic/qwen3.6-plus", GW, QWEN, timeout=600),
    _m("example-model-pro", "anthropic/example-model-pro", GW, PRO, timeout=600),
    _m("openai/gpt-5.5", "openai/gpt-5.5", GW_OA, GPT, timeout=600),
    _m("openai/primary", "openai/gpt-5.5", GW_OA, PRIMARY, timeout=600),
    _m("gpt-*", "openai/gpt-5.5", GW_OA, GPT_PATTERN, timeout=600),
    _m("openai/qwen3.6-plus", "openai/qwen3.6-plus", GW_OA, QWEN, timeout=600),
    _m("openai/qwen", "openai/qwen3.6-plus", GW_OA, QWEN, timeout=600),
    _m("openai/gpt-image-2", "openai/gpt-image-2", GW_OA, IMAGE, timeout=600),
    _m("gemini/gpt-5.5", "gemini/gpt-5.5", GW_GE, GPT, timeout=600),
    _m("gemini/primary", "gemini/gpt-5.5", GW_GE, PRIMARY, timeout=600),
    _m("gpt-*", "gemini/gpt-5.5", GW_GE, GPT_PATTERN, timeout=600),
    _m("gemini/qwen3.6-plus", "gemini/qwen3.6-plus", GW_GE, QWEN, timeout=600),
    _m("gemini/qwen", "gemini/qwen3.6-plus", GW_GE, QWEN, timeout=600),
    # $extend with $delete of an interface and a model, an interface prefix
    _m("eu/gpt-5.5", "anthropic/gpt-5.5", EU, GPT, timeout=600),
    _m("eu/primary", "anthropic/gpt-5.5", EU, PRIMARY, timeout=600),
    _m("gpt-*", "anthropic/gpt-5.5", EU, GPT_PATTERN, timeout=600),
    _m("example-model-pro", "anthropic/example-model-pro", EU, PRO, timeout=600),
    _m("extra/claude-opus-4-6", "anthropic/claude-opus-4-6-thinking", "extra-anthropic",
       {"base_model": "claude-opus-4-6-thinking"}),
    _m("extra/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "extra-anthropic",
       {"base_model": "claude-sonnet-4-5"}),
    # discovery (provider and interface models_api_base, "skip-me" ignored, off for gemini);
    # model_names as a comma-separated string
    _m("openai/found-a", "openai/found-a", "lister-openai", {"base_model": "found-a"}),
    _m("anthropic/found-b", "anthropic/found-b", "lister-anthropic", {"base_model": "found-b"}),
    _m("gemini/gemini-pro", "gemini/gemini-3-pro", "lister-gemini", {"base_model": "gemini-3-pro"}),
    _m("gemini/gemini-3", "gemini/gemini-3-pro", "lister-gemini", {"base_model": "gemini-3-pro"}),
    # literal models
    _m("manual-router", "openai/manual", None, {"access_groups": ["General"]},
       api_base="http://manual:1/v1", api_key="os.environ/MANUAL_KEY"),
    # model_aliases: $interface/ keys and targets, $extends (string, list), a wildcard clone
    _m("anthropic/secondary", "anthropic/qwen3.6-plus", GW, {**QWEN, "tier": "free"}, timeout=600),
    _m("openai/secondary", "openai/qwen3.6-plus", GW_OA, {**QWEN, "tier": "free"}, timeout=600),
    _m("gemini/secondary", "gemini/qwen3.6-plus", GW_GE, {**QWEN, "tier": "free"}, timeout=600),
    _m("openai/tertiary", "openai/qwen3.6-plus", GW_OA, {**QWEN, "tier": "free"}, timeout=600),
    _m("openai/tertiary", "openai/gpt-image-2", GW_OA, IMAGE, timeout=600),
    _m("claude-opus-*", "openai/qwen3.6-plus", GW_OA, {**QWEN, "access_groups": []}, timeout=600),
    _m("claude-opus-*", "openai/gpt-5.5", GW_OA, GPT_PATTERN, timeout=600, max_tokens=4096),
]
SUCCESSOR_CREDENTIALS = [
    {"credential_name": "literal", "credential_values": {"api_base": "http://literal:1"}, "credential_info": {}},
    {"credential_name": GW, "credential_values": {"api_key": KEYS["gateway"], "api_base": "http://gateway:8317"},
     "credential_info": {"custom_llm_provider": "Anthropic"}},
    {"credential_name": GW_OA, "credential_values": {"api_key": KEYS["gateway"], "api_base": "http://gateway:8318/v1"},
     "credential_info": {"custom_llm_provider": "OpenAI_Compatible"}},
    {"credential_name": GW_GE, "credential_values": {"api_key": KEYS["gateway"],
                                                     "api_base": "http://gateway:8317/v1beta"},
     "credential_info": {"custom_llm_provider": "Google_AI_Studio"}},
    {"credential_name": EU, "credential_values": {"api_key": KEYS["gateway"], "api_base": "http://gateway-eu:8317"},
     "credential_info": {"custom_llm_provider": "Anthropic"}},
    {"credential_name": "extra-anthropic", "credential_values": {"api_key": KEYS["extra"],
                                                                 "api_base": "http://extra:9000"},
     "credential_info": {"custom_llm_provider": "Anthropic"}},
    {"credential_name": "lister-openai", "credential_values": {"api_key": KEYS["lister"],
                                                               "api_base": "http://lister:7000/v1"},
     "credential_info": {"custom_llm_provider": "OpenAI_Compatible"}},
    {"credential_name": "lister-anthropic", "credential_values": {"api_key": KEYS["lister"],
                                                                  "api_base": "http://lister:7000"},
     "credential_info": {"custom_llm_provider": "Anthropic"}},
    {"credential_name": "lister-gemini", "credential_values": {"api_key": KEYS["lister"],
                                                               "api_base": "http://lister:7000/v1beta"},
     "credential_info": {"custom_llm_provider": "Google_AI_Studio"}},
]
SUCCESSOR_ALIASES = {
    "best": "anthropic/secondary",
    "gpt-6-*": {"model": "openai/primary", "hidden": True},
    "hidden-one": {"model": "best", "hidden": True},  # served by name, not listed
    "claude-opus-4-6-thinking": "extra/claude-opus-4-6",  # $models:extra/anthropic ""
    "claude-sonnet-4-5": "extra/claude-sonnet-4-5",
    "gpt-5.5": "best",  # $models:gateway-eu/anthropic "best"
}
SUCCESSOR_FALLBACKS = [  # $interface/ expanded, then $base from the committed layers
    {"anthropic/secondary": ["anthropic/qwen", "extra/claude-sonnet-4-5"]},
    {"gemini/secondary": ["gemini/qwen", "extra/claude-sonnet-4-5"]},
    {"openai/secondary": ["openai/qwen", "extra/claude-sonnet-4-5"]},
    {"anthropic/primary": ["anthropic/secondary", "eu/gpt-5.5"]},
    {"openai/primary": ["openai/secondary", "eu/gpt-5.5"]},
]
# is_public_model_hub: true on provider gateway (gateway-eu inherits it through $extend), false on
# qwen3.6-plus and on the "gpt-*" name; model_aliases clones are never derived. The successor
# lists a name once per deployment; llmproxy once.
SUCCESSOR_PUBLIC = [m for m in SUCCESSOR_MODELS[:21]
                    if "qwen" not in m["litellm_params"]["model"] and m["model_name"] != "gpt-*"]
SUCCESSOR_ROUTER = {"cooldown_time": 0, "num_retries": 1, "timeout": 600}


def to_llmproxy(models: list[dict[str, Any]], credentials: list[dict[str, Any]], aliases: dict[str, Any]
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The successor's result with llmproxy's deliberate differences applied."""
    models, credentials = copy.deepcopy(models), copy.deepcopy(credentials)
    keys = {c["credential_name"]: c["credential_values"].pop("api_key") for c in credentials
            if "api_key" in c["credential_values"]}
    for m in models:
        params, info = m["litellm_params"], m["model_info"]
        # 1. An os.environ/ key goes on every deployment: LiteLLM never resolves one stored in a
        #    credential (the successor stores it there, so the upstream gets the literal text).
        if params.get("litellm_credential_name") in keys:
            m["litellm_params"] = {**{k: params[k] for k in ("model", "litellm_credential_name")},
                                   "api_key": keys[params["litellm_credential_name"]],
                                   **{k: v for k, v in params.items() if k not in ("model", "litellm_credential_name")}}
        # 2. An empty access_groups is left out (the same to LiteLLM: no groups).
        if info.get("access_groups") == []:
            del info["access_groups"]
    # 3. base_model defaults to the exposed name (as the seed scripts did), not the upstream id.
    renamed = {"extra/claude-opus-4-6": "claude-opus-4-6", "gemini/gemini-pro": "gemini-pro",
               "gemini/gemini-3": "gemini-3"}
    for m in models:
        if m["model_name"] in renamed:
            m["model_info"]["base_model"] = renamed[m["model_name"]]
    # 6. "$delete" in a later layer keeps working where $extend or default_model merge later: the
    #    successor applies it while merging the layers, when there is nothing yet to delete
    #    (here: max_input_tokens of gpt-image-2, from default_model).
    for m in models:
        if m["litellm_params"]["model"] == "openai/gpt-image-2":
            m["model_info"].pop("max_input_tokens", None)
    # 4. A wildcard alias becomes pattern deployments mirroring its target group (access groups
    #    left out): LiteLLM never matches a wildcard model_group_alias, hidden or not.
    plain: dict[str, str] = {}
    hidden = {a for a, t in aliases.items() if isinstance(t, dict) and t["hidden"] and "*" not in a}
    for alias, target in aliases.items():
        if alias in hidden:
            plain[alias] = target["model"]
        elif isinstance(target, dict):
            models += [{**copy.deepcopy(m), "model_name": alias,
                        "model_info": {k: v for k, v in m["model_info"].items() if k != "access_groups"}}
                       for m in models if m["model_name"] == target["model"]]
        else:
            plain[alias] = target
    # 5. Alias chains point at the final model group (LiteLLM resolves one level only).
    while any(t in plain for t in plain.values()):
        plain = {a: plain.get(t, t) for a, t in plain.items()}
    return models, credentials, {a: {"model": t, "hidden": True} if a in hidden else t for a, t in plain.items()}


def _as_set(models: list[dict[str, Any]]) -> Counter[str]:
    return Counter(json.dumps(m, sort_keys=True) for m in models)


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("LISTER_API_KEY", "sk-lister-1234")  # discovery reads the list with the key
    return load_config(LAYERS, lister=_lister).desired.to_json(show_secrets=True)


def test_the_successor_fixture_resolves_to_what_the_successor_generates(loaded: dict[str, Any]) -> None:
    models, credentials, aliases = to_llmproxy(SUCCESSOR_MODELS, SUCCESSOR_CREDENTIALS, SUCCESSOR_ALIASES)
    assert _as_set(loaded["models"]) == _as_set(models)
    by_name = {c["credential_name"]: c for c in credentials}  # order: the successor's $extend walk
    assert {c["credential_name"]: c for c in loaded["credentials"]} == by_name
    assert loaded["aliases"] == aliases
    assert loaded["fallbacks"] == SUCCESSOR_FALLBACKS
    assert loaded["router_settings"] == SUCCESSOR_ROUTER
    # Guardrails keyed by name, as written; without a public_model_hub list the flagged model
    # names, then (the aliases switch) every alias (after $models: expansion), as the successor does.
    assert loaded["guardrails"] == [{"guardrail_name": "headroom-compression", "litellm_params": {
        "guardrail": "headroom", "mode": "pre_call", "default_on": True, "api_base": "http://headroom:8787"},
        "guardrail_info": {"description": "Global Headroom prompt compression"}}]
    public = loaded["public_model_groups"]
    assert public[len(public) - len(SUCCESSOR_ALIASES):] == list(SUCCESSOR_ALIASES)
    in_file_order = sorted(SUCCESSOR_PUBLIC, key=lambda m: m["litellm_params"]["litellm_credential_name"] != EU)
    assert public[:len(public) - len(SUCCESSOR_ALIASES)] == list(dict.fromkeys(  # gateway-eu's file first
        m["model_name"] for m in in_file_order))


def test_every_fixture_file_is_read_committed_layers_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTER_API_KEY", "sk-lister-1234")
    loaded = load_config(LAYERS, lister=_lister, env_file=None)
    assert loaded.files == [*LAYERS, COMPONENTS / "gateway/integrations/llmproxy/litellm/config.local.json",
                            COMPONENTS / "extra/integrations/llmproxy/litellm/config.local.json"]


SEEDS = REPO / "tests" / "fixtures" / "seeds"


def test_the_seed_config_keeps_the_seed_scripts_meaning_where_the_successor_drops_it(tmp_path: Path) -> None:
    """The seed config as the successor reads it: its model schema has no ``model_name`` (it names a
    model by ``model_names``) and the generator ignores the key, so it exposes every model under its
    upstream id (``anthropic/claude-opus-4-6-thinking``), prices it by that id, and then refuses to
    sync: the aliases and fallbacks name models it does not make. llmproxy keeps the seed scripts'
    meaning: exactly what they sent (tests/fixtures/seeds/litellm_scripts-rendered.json), with the
    differences 1 and 5 above."""
    config = json.loads((SEEDS / "litellm_scripts-config.json").read_text())
    shutil.copy(SEEDS / "litellm_scripts-config.json", tmp_path / "config.json")
    key = "os.environ/ANTIGRAVITY_MANAGER_API_KEY"
    # The successor discovers models by default; llmproxy only when asked: the switch is off here.
    (tmp_path / "config.local.json").write_text(json.dumps(
        {"providers": {"antigravity-manager": {"api_key": key, "models_autofill_disabled": True}}}))
    loaded = load_config(tmp_path / "config.json").desired.to_json(show_secrets=True)

    rendered = json.loads((SEEDS / "litellm_scripts-rendered.json").read_text())
    models_cfg = config["providers"]["antigravity-manager"]["models"]
    successor = copy.deepcopy(rendered["models"])
    for m in successor:
        upstream = m["litellm_params"]["model"].split("/", 1)[1]
        m["model_name"] = m["litellm_params"]["model"]  # model_name ignored: named by the upstream id
        m["model_info"]["base_model"] = models_cfg[upstream].get("model_info", {}).get("base_model", upstream)
    names = {m["model_name"] for m in successor}
    unmade = sorted({t for t in rendered["aliases"].values() if t not in names and t not in rendered["aliases"]})
    assert unmade == ["anthropic/claude-opus-4-5", "anthropic/claude-opus-4-6", "anthropic/claude-sonnet-4-5-standard",
                      "anthropic/gemini-3-flash-preview", "anthropic/gemini-3-pro-preview"]  # the successor refuses

    for c in rendered["credentials"]:
        c["credential_values"]["api_key"] = key
    seed_scripts, credentials, aliases = to_llmproxy(rendered["models"], rendered["credentials"], rendered["aliases"])
    assert _as_set(loaded["models"]) == _as_set(seed_scripts)
    assert loaded["credentials"] == credentials
    assert loaded["aliases"] == aliases
    assert loaded["fallbacks"] == rendered["fallbacks"]
    # What honouring model_name changes against the successor: the names, and base_model where
    # the config sets none (the seed scripts' default is the exposed name, the successor's the id).
    changed = {(s["model_name"], m["model_name"], s["model_info"]["base_model"], m["model_info"]["base_model"])
               for s, m in zip(successor, rendered["models"], strict=True) if s != m}
    assert changed == {
        ("anthropic/gemini-3-flash", "anthropic/gemini-3-flash-preview", "gemini/gemini-3-flash-preview",
         "gemini/gemini-3-flash-preview"),
        ("anthropic/gemini-3-pro-high", "anthropic/gemini-3-pro-preview", "gemini/gemini-3-pro-preview",
         "gemini/gemini-3-pro-preview"),
        ("anthropic/gemini-2.5-flash", "anthropic/gemini-2.5-flash-standard", "gemini/gemini-2.5-flash",
         "gemini/gemini-2.5-flash"),
        ("anthropic/gemini-2.5-flash-thinking", "anthropic/gemini-2.5-flash", "gemini/gemini-2.5-flash",
         "gemini/gemini-2.5-flash"),
        ("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-standard", "claude-sonnet-4-5",
         "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4-5-thinking", "anthropic/claude-sonnet-4-5", "claude-sonnet-4-5-thinking",
         "claude-sonnet-4-5"),
        ("anthropic/claude-opus-4-5-thinking", "anthropic/claude-opus-4-5", "claude-opus-4-5-thinking",
         "claude-opus-4-5"),
        ("anthropic/claude-opus-4-6-thinking", "anthropic/claude-opus-4-6", "claude-opus-4-6-thinking",
         "claude-opus-4-6"),
    }
