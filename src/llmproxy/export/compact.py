"""Deployments back into the compact provider form (the inverse of ``config.compile``'s model rule).

The compiler makes, for provider ``P``, interface ``I`` and model id ``M``, one deployment per
exposed name ``E``: ``model_name = prefix(I) + E``, ``litellm_params = {model: "I/M",
litellm_credential_name: "P-I", **params}``, ``model_info = {**info, access_groups (model's, else
the provider's; none when empty), base_model (the model's, else E)}``. A live deployment folds back
only when the compiler would make exactly it again; anything else stays a literal ``models``
entry. In particular a deployment without ``base_model`` stays literal (the compiler always sets
one), and so does one with ``access_groups: []`` (the compiler never writes an empty list).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import thaw
from llmproxy.export.providers import ProviderFold
from llmproxy.export.views import ModelView

DERIVED_PARAMS = ("model", "litellm_credential_name")


@dataclass
class _Candidate:
    view: ModelView
    provider: str
    iface: str
    model_id: str


@dataclass
class CompactResult:
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)  # config.json "providers"
    literal: list[ModelView] = field(default_factory=list)
    compact_ids: set[str] = field(default_factory=set)


def _candidate(view: ModelView, folds: dict[str, tuple[ProviderFold, str]]) -> _Candidate | None:
    fold = folds.get(view.identity.credential or "")
    if fold is None:
        return None
    provider, iface = fold[0].name, fold[1]
    model = view.identity.model
    model_id = model.removeprefix(f"{iface}/")
    if not model.startswith(f"{iface}/") or not model_id:
        return None
    base = view.model_info.get("base_model")
    groups = view.model_info.get("access_groups")
    if not isinstance(base, str) or not base:
        return None  # the compiler always sets base_model
    if groups is not None and not (isinstance(groups, list) and groups and all(isinstance(g, str) for g in groups)):
        return None  # [] (or a non-list) cannot come out of the compiler
    return _Candidate(view, provider, iface, model_id)


def _prefix(candidates: list[_Candidate], iface: str) -> str:
    default = f"{iface}/"
    ok = all(c.view.model_name.startswith(default) and len(c.view.model_name) > len(default) for c in candidates)
    return default if ok else ""


def _spec(c: _Candidate, exposed: str) -> tuple[dict[str, Any], tuple[str, ...] | None]:
    """The model config (without names and access groups) that compiles to this deployment."""
    params = {k: v for k, v in c.view.litellm_params.items() if k not in DERIVED_PARAMS}
    info = dict(c.view.model_info)
    groups = info.pop("access_groups", None)
    if info.get("base_model") == exposed:
        del info["base_model"]  # the compiler's default
    spec: dict[str, Any] = {}
    if params:
        spec["litellm_params"] = params
    if info:
        spec["model_info"] = info
    return spec, tuple(groups) if groups else None


def _entry(names: list[str], model_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if names != [model_id]:
        entry.update({"model_name": names[0]} if len(names) == 1 else {"model_names": names})
    entry.update(spec)
    return entry


def _group_models(candidates: list[_Candidate], prefix: str, result: CompactResult
                  ) -> dict[str, tuple[dict[str, Any], tuple[str, ...] | None]]:
    """model id -> (entry, access groups) for one interface; other variants go literal."""
    by_id: dict[str, list[_Candidate]] = defaultdict(list)
    for c in candidates:
        by_id[c.model_id].append(c)
    out: dict[str, tuple[dict[str, Any], tuple[str, ...] | None]] = {}
    for model_id in sorted(by_id):
        variants: dict[str, tuple[dict[str, Any], tuple[str, ...] | None, list[_Candidate]]] = {}
        for c in by_id[model_id]:
            spec, groups = _spec(c, c.view.model_name[len(prefix):])
            key = json.dumps(thaw([spec, groups]), sort_keys=True, default=repr)  # SecretRef: by name
            variants.setdefault(key, (spec, groups, []))[2].append(c)
        (spec, groups, members), *others = variants.values()
        out[model_id] = (_entry([c.view.model_name[len(prefix):] for c in members], model_id, spec), groups)
        result.compact_ids.update(c.view.id for c in members)
        result.literal += [c.view for _, _, rest in others for c in rest]
    return out


def _provider_groups(entries: Iterable[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The provider-level access_groups that leave the fewest models with their own."""
    entries = list(entries)
    counts = Counter(g for g in entries if g)
    if not counts:
        return None
    best, n = counts.most_common(1)[0]
    # With ``best`` at provider level, models without groups need "access_groups": [].
    overrides_with = len(entries) - n
    overrides_without = sum(counts.values())
    return best if overrides_with < overrides_without else None


def _with_groups(entry: dict[str, Any], groups: tuple[str, ...] | None,
                 provider_groups: tuple[str, ...] | None) -> dict[str, Any]:
    if groups == provider_groups:
        return entry
    return {**entry, "access_groups": list(groups or ())}


def _provider_config(fold: ProviderFold, per_iface: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """per_iface: interface -> (prefix, {model id: (entry, groups)})."""
    ifaces = fold.interfaces
    shared: dict[str, tuple[dict[str, Any], tuple[str, ...] | None]] = {}
    if ifaces:
        first = per_iface.get(ifaces[0], ("", {}))[1]
        for model_id, value in first.items():
            if all(per_iface.get(i, ("", {}))[1].get(model_id) == value for i in ifaces[1:]):
                shared[model_id] = value
    all_entries = list(shared.values()) + [v for i in ifaces for m, v in per_iface.get(i, ("", {}))[1].items()
                                           if m not in shared]
    provider_groups = _provider_groups(g for _, g in all_entries)

    config: dict[str, Any] = {"api_base": fold.api_base}
    if provider_groups:
        config["access_groups"] = list(provider_groups)
    interfaces: dict[str, Any] = {}
    for iface in ifaces:
        prefix, models = per_iface.get(iface, (f"{iface}/", {}))
        body: dict[str, Any] = {}
        if prefix != f"{iface}/":
            body["model_name_prefix"] = prefix
        own = {m: _with_groups(e, g, provider_groups) for m, (e, g) in models.items() if m not in shared}
        if own:
            body["models"] = own
        interfaces[iface] = body
    config["interfaces"] = interfaces
    if shared:
        config["models"] = {m: _with_groups(e, g, provider_groups) for m, (e, g) in shared.items()}
    return config


def compact(views: list[ModelView], providers: dict[str, ProviderFold], force_literal: set[str]) -> CompactResult:
    """Providers in config form (without api_key) and the deployments left literal."""
    result = CompactResult()
    folds = {p.credential(i): (p, i) for p in providers.values() for i in p.interfaces}
    grouped: dict[tuple[str, str], list[_Candidate]] = defaultdict(list)
    for view in views:
        cand = None if view.id in force_literal else _candidate(view, folds)
        if cand is None:
            result.literal.append(view)
        else:
            grouped[(cand.provider, cand.iface)].append(cand)
    for name in sorted(providers):
        fold = providers[name]
        per_iface: dict[str, tuple[str, dict[str, Any]]] = {}
        for iface in fold.interfaces:
            cands = grouped.get((name, iface), [])
            prefix = _prefix(cands, iface)
            per_iface[iface] = (prefix, _group_models(cands, prefix, result))
        result.providers[name] = _provider_config(fold, per_iface)
    result.literal.sort(key=lambda v: (v.identity.model_name, v.identity.model, v.identity.credential or "", v.id))
    return result
