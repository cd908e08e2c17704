"""Each interface's effective models: ``default_model`` < provider ``models`` < interface ``models``.

Works on the merged, ``$extend``-resolved document before ``$delete`` is stripped, so a model can
``$delete`` what ``default_model`` gives it. The result has the same shape as the file (models
only under interfaces), so the same pydantic models validate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llmproxy.config.merge import DELETE, merge
from llmproxy.config.model_names import names_over_model
from llmproxy.config.paths import JsonPath
from llmproxy.config.schema_providers import INTERFACES


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model_ids(*maps: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(k for m in maps for k in m if k != DELETE))


def expand_provider_models(providers: dict[str, Any], discovered: Mapping[tuple[str, str], Sequence[str]] | None = None,
                           ) -> tuple[dict[str, Any], dict[JsonPath, JsonPath]]:
    """Providers with models pushed into their interfaces, and where each model was written.

    The second result maps ``("providers", p, "interfaces", i, "models", id)`` to the path the
    model came from: the interface's own entry if it has one, else the provider's, else (a model
    ``discovered[(p, i)]`` adds after the listed ones, with ``default_model`` only) the interface.
    """
    discovered = discovered or {}
    sources: dict[JsonPath, JsonPath] = {}
    out: dict[str, Any] = {}
    for name, provider in providers.items():
        if not isinstance(provider, dict):
            out[name] = provider
            continue
        provider = dict(provider)
        defaults = _as_dict(provider.pop("default_model", None))
        shared = _as_dict(provider.pop("models", None))
        interfaces = provider.get("interfaces")
        if isinstance(interfaces, dict):
            expanded: dict[str, Any] = {}
            for iface_name, iface in interfaces.items():
                if iface_name not in INTERFACES or not (iface is None or isinstance(iface, dict)):
                    expanded[iface_name] = iface
                    continue
                iface = dict(iface or {})
                own = _as_dict(iface.get("models"))
                models: dict[str, Any] = {}
                for model_id in _model_ids(shared, own):
                    merged = defaults
                    for layer in (shared.get(model_id), own.get(model_id)):
                        if isinstance(layer, dict):
                            merged = merge(merged, layer)
                    models[model_id] = names_over_model(merged)
                    here = ("providers", name, "interfaces", iface_name, "models", model_id)
                    sources[here] = here if model_id in own else ("providers", name, "models", model_id)
                for model_id in discovered.get((name, iface_name), ()):
                    if model_id not in models:
                        models[model_id] = defaults
                        sources[("providers", name, "interfaces", iface_name, "models", model_id)] = \
                            ("providers", name, "interfaces", iface_name)
                iface["models"] = models
                expanded[iface_name] = iface
            provider["interfaces"] = expanded
        out[name] = provider
    return out, sources
