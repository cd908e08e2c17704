"""Random ``config.local.json`` overlays over the repository's own ``config.json``.

Each overlay is a handful of random edits at real places of the base: a value replaced (by one of
the same type, a piece of the base from elsewhere, or arbitrary JSON), a key added, a ``$delete``
naming keys that exist and keys that do not, ``$extend`` set, redirected or nulled. The loader
must return a desired state or a ConfigError whose every issue names a file, a path and a
problem. A desired state is compared with an oracle written here from the README's rules (deep
merge with ``$delete``, ``$extend``, model layers, interfaces, ``${VAR}``): same credentials and
keys, same deployments in the same order, same aliases, fallback rules, router settings, owner.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from llmproxy.config import LoadedConfig
from llmproxy.config.access_keys import is_legacy_keys
from llmproxy.config.schema_errors import check
from llmproxy.errors import ConfigError
from llmproxy.redaction import redactor
from tests.unit.fuzz.support import (
    REPO,
    SECRET_VALUE,
    SECRET_VAR,
    UNSET_VAR,
    ConfigDir,
    check_config_error,
    fuzz_settings,
    oracle_resolve,
)

BASE: dict[str, Any] = json.loads((REPO / "config.json").read_text())
INTERFACES = ("openai", "anthropic", "gemini")
DELETE, EXTEND = "$delete", "$extend"


def _members(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(path, value)`` of every member of every object in ``node`` (objects only, not lists)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), value
            yield from _members(value, (*path, key))


MEMBERS = list(_members(BASE))
OBJECT_PATHS = [(), *(path for path, value in MEMBERS if isinstance(value, dict))]
PROVIDERS = [*BASE["providers"], "new-provider"]

STRINGS = st.sampled_from([
    "", "x", "General", "Premium", "chat", "claude-opus-4-6", "anthropic/claude-opus-4-6",
    "anthropic/gemini-3-pro-preview", "gemini-3-flash", "claude-*", "simple-shuffle", "30d", "gw/",
    "http://gw:8045", "http://gw:8045/v1/", f"${{{SECRET_VAR}}}", f"${{{UNSET_VAR}}}",
    f"http://${{{SECRET_VAR}}}:1", "os.environ/OTHER_KEY", "$${literal", "${bad name",
]) | st.text(st.sampled_from("ab-_/*$.{} "), max_size=6)
SCALARS = st.none() | st.booleans() | st.integers(-2, 700) | st.floats(-1, 1e3, allow_nan=False) | STRINGS
SMALL_JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(STRINGS, inner, max_size=2), max_leaves=4)
SUBTREES = st.sampled_from([value for _, value in MEMBERS]).map(copy.deepcopy)
LITERAL_MODELS = st.lists(st.fixed_dictionaries(
    {"model_name": st.sampled_from(["lit", "anthropic/claude-opus-4-6"]),
     "litellm_params": st.fixed_dictionaries({"model": st.sampled_from(["openai/lit", "anthropic/x"])},
                                             optional={"api_key": STRINGS})}), max_size=2)
NEW_KEYS = st.sampled_from([
    "new-provider", "m-new", "claude-opus-4-6-thinking", "openai", "gemini", "anthropic", "model_name",
    "model_names", "ignored", "model_info", "litellm_params", "access_groups", "api_key", "api_base",
    "interfaces", "models", "default_model", "model_name_prefix", "base_model", "aliases", "fallbacks",
    "router_settings", "owner", "bogus", "api_kye",
])


def _same_type(value: Any) -> st.SearchStrategy[Any]:
    """A value of the same JSON type as ``value`` (mostly valid where ``value`` sits)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(0, 700)
    if isinstance(value, str):
        return STRINGS
    if isinstance(value, list):
        return st.lists(STRINGS, min_size=1, max_size=3)
    if isinstance(value, dict):
        return st.dictionaries(st.sampled_from([*value, "model_name", "ignored"]), SCALARS | SUBTREES, max_size=2)
    return SMALL_JSON


def _put(overlay: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = overlay
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


@st.composite
def overlays(draw: st.DrawFn) -> dict[str, Any]:
    overlay: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["set", "set", "add", "delete", "delete", "extend"]))
        if op == "set":
            path, old = draw(st.sampled_from(MEMBERS))
            value = draw(_same_type(old) | SUBTREES | SMALL_JSON)
        elif op == "add":
            parent = draw(st.sampled_from(OBJECT_PATHS))
            key = draw(NEW_KEYS)
            path = (*parent, key)
            value = draw(LITERAL_MODELS if path == ("models",) else SUBTREES | SMALL_JSON | _same_type({}))
        elif op == "delete":
            parent = draw(st.sampled_from(OBJECT_PATHS))
            existing = list(_lookup(BASE, parent) or {})
            names = st.sampled_from([*existing, "missing", "api_kye", EXTEND, DELETE]) if existing \
                else st.sampled_from(["missing", EXTEND])
            path = (*parent, DELETE)
            value = draw(st.lists(names, max_size=3) | st.lists(SCALARS, max_size=2))
        else:
            path = ("providers", draw(st.sampled_from(PROVIDERS)), EXTEND)
            value = draw(st.none() | st.sampled_from([*PROVIDERS, "ghost", ""]))
        _put(overlay, path, value)
    return overlay


def _lookup(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


# -- the oracle: the README's rules, written independently of src/llmproxy/config ----------------

class BrokenExtend(Exception):
    pass


def oracle_merge(base: Any, over: Any) -> Any:
    """Objects merge key by key, anything else is replaced; ``$delete`` removes inherited keys
    first and is kept (as the union) so that a later merge of the same object applies it too."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return copy.deepcopy(over)
    out = dict(base)
    deletes = over.get(DELETE)
    if isinstance(deletes, list):
        for key in deletes:
            if isinstance(key, str):
                out.pop(key, None)
    for key, value in over.items():
        if key != DELETE:
            out[key] = oracle_merge(out[key], value) if key in out else copy.deepcopy(value)
    if isinstance(deletes, list):
        inherited = base.get(DELETE) if isinstance(base.get(DELETE), list) else []
        out[DELETE] = list(dict.fromkeys([*inherited, *deletes]))
    return out


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in (DELETE, "$schema")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def substitute(value: Any) -> Any:
    """``${SECRET_VAR}`` resolved; ``$${`` is a literal ``${``."""
    if isinstance(value, dict):
        return {k: substitute(v) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v) for v in value]
    if isinstance(value, str):
        return value.replace(f"${{{SECRET_VAR}}}", SECRET_VALUE).replace("$${", "${")
    return value


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)
    elif isinstance(value, str):
        yield value


def resolve_providers(providers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    table = {name: p for name, p in providers.items() if isinstance(p, dict)}
    done: dict[str, dict[str, Any]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        if name not in done:
            own = {k: v for k, v in table[name].items() if k != EXTEND}
            parent = table[name].get(EXTEND)
            if isinstance(parent, str):
                if parent in seen or parent not in table:
                    raise BrokenExtend(f"{' -> '.join([*seen, name, parent])}")
                own = oracle_merge(resolve(parent, (*seen, name)), own)
            done[name] = own
        return done[name]

    return {name: resolve(name, ()) for name in table}


def expected_resources(
        merged: dict[str, Any]) -> tuple[list[tuple[str, str | None]], list[tuple[str, str, str | None]]]:
    """(credential name, api_key) pairs and deployment identities, in order."""
    credentials: list[tuple[str, str | None]] = []
    identities: list[tuple[str, str, str | None]] = []
    providers = merged.get("providers")
    for name, provider in resolve_providers(providers if isinstance(providers, dict) else {}).items():
        interfaces = provider.get("interfaces")
        defaults = provider.get("default_model") if isinstance(provider.get("default_model"), dict) else {}
        shared = provider.get("models") if isinstance(provider.get("models"), dict) else {}
        for iface_name, iface in (interfaces.items() if isinstance(interfaces, dict) else ()):
            if iface_name not in INTERFACES:
                continue
            credential = f"{name}-{iface_name}"
            key = provider["api_key"]
            # os.environ/ references go on the deployments (LiteLLM resolves them only there).
            credentials.append((credential, None if key.startswith("os.environ/") else key))
            iface = iface or {}
            own = iface.get("models") if isinstance(iface.get("models"), dict) else {}
            prefix = iface.get("model_name_prefix")
            prefix = f"{iface_name}/" if prefix is None else prefix
            for model_id in dict.fromkeys([*shared, *own]):
                if model_id == DELETE:
                    continue
                model = defaults
                for layer in (shared.get(model_id), own.get(model_id)):
                    if isinstance(layer, dict):
                        model = oracle_merge(model, layer)
                if model.get("ignored") is True:
                    continue
                for exposed in model.get("model_names") or [model.get("model_name") or model_id]:
                    identities.append((prefix + exposed, f"{iface_name}/{model_id}", credential))
    for literal in merged.get("models") or []:
        params = literal["litellm_params"]
        identities.append((literal["model_name"], params["model"], params.get("litellm_credential_name") or None))
    return credentials, identities


def check_against_oracle(loaded: LoadedConfig, merged: dict[str, Any]) -> None:
    desired, final = loaded.desired, substitute(strip(merged))
    credentials, identities = expected_resources(substitute(merged))
    assert [(c.name, c.values.get("api_key")) for c in desired.credentials or ()] == credentials
    keyless = {name for name, key in credentials if key is None}
    for d in desired.deployments or ():
        if d.credential in keyless:
            # the provider's os.environ/ reference goes on the deployment, unless it sets a key itself
            assert d.litellm_params.get("api_key"), d.source
    written = final.get("aliases")
    models = {name for name, _, _ in identities}
    patterns = [(alias, oracle_resolve(target, models, written)) for alias, target in (written or {}).items()
                if "*" in alias]
    identities += [(alias, model, cred) for alias, group in patterns
                   for name, model, cred in list(identities) if name == group]
    assert [tuple(d.identity) for d in desired.deployments or ()] == identities
    assert desired.aliases == (None if written is None else {
        a: oracle_resolve(t, models, written) for a, t in written.items() if "*" not in a})
    expected_rules = [(source.strip(), list(targets)) for entry in final.get("fallbacks") or []
                      for key, targets in entry.items() for source in key.split(",")]
    got_rules = [(r.source, list(r.targets)) for r in desired.fallbacks] if desired.fallbacks is not None else None
    assert got_rules == (expected_rules if "fallbacks" in final else None)
    router = final.get("router_settings")
    if router is None:
        assert desired.router_settings is None
    else:
        assert desired.router_settings is not None
        want = {k: v for k, v in router.items() if v is not None}
        assert set(desired.router_settings) == set(want)
        for key, value in want.items():
            if isinstance(value, (str, int, float, bool)):
                assert desired.router_settings[key] == value, key
    assert desired.owner == (final.get("owner") or "llmproxy")
    legacy = final.get("keys") if is_legacy_keys(final.get("keys")) else {}
    policy = (final.get("key_policy") or {}).get("defaults") or {}
    assert loaded.key_defaults.keys() == {k for k, v in {**legacy, **policy}.items() if v is not None}


# -- the test ----------------------------------------------------------------------------------

def test_random_overlays_over_the_repository_config(config_dir: ConfigDir) -> None:
    outcomes: Counter[str] = Counter()

    @fuzz_settings(900)
    @given(overlay=overlays())
    @example(overlay={})
    @example(overlay={"providers": {"antigravity-manager-2": {EXTEND: None}}})
    @example(overlay={"providers": {"antigravity-manager": {EXTEND: "antigravity-manager-2"}}})
    def run(overlay: dict[str, Any]) -> None:
        result = config_dir.load(BASE, overlay)
        merged = oracle_merge(BASE, overlay)
        try:
            expected_resources(substitute(merged))
            broken = None
        except BrokenExtend as exc:
            broken = str(exc)
        except (KeyError, TypeError, AttributeError):
            broken = None  # a shape the loader must reject; checked below
        unset = any(f"${{{UNSET_VAR}}}" in text for text in strings_in(merged))
        if isinstance(result, ConfigError):
            outcomes["error"] += 1
            text = check_config_error(result, config_dir.files(), {*BASE, *overlay})
            # Each file is checked on its own first; a broken chain is reported after that.
            if broken and check(overlay, lambda _path: "config.local.json")[0] is not None:
                assert EXTEND in text, f"broken $extend chain ({broken}) not reported:\n{text}"
            # What the CLI prints (scrubbed of every resolved ${VAR} value) never shows the secret.
            assert SECRET_VALUE not in redactor.scrub(text), "a resolved secret in an error"
            return
        outcomes["loaded"] += 1
        assert broken is None, f"$extend chain {broken} is broken, yet the config loaded"
        assert not unset, f"${{{UNSET_VAR}}} is used, yet the config loaded"
        check_against_oracle(result, merged)

    run()
    # The generator must keep reaching both outcomes, or the oracle checks nothing.
    total = sum(outcomes.values())
    assert outcomes["loaded"] >= total // 10 and outcomes["error"] >= total // 10, outcomes
