"""Will LiteLLM put a price on a deployment? A deployment it cannot price costs $0: spend stays
at zero and virtual-key budgets never bite, silently.

What LiteLLM 1.106 does (``cost_calculator.select_model_name_for_cost_calc`` and
``utils.get_model_info_helper``):

* ``litellm_params`` prices (``input_cost_per_token``, ``output_cost_per_token``, ...) win: the
  router registers them for the deployment. Prices in ``model_info`` are not read (and LiteLLM
  does not keep them), so the config refuses them there.
* Otherwise it looks up ``base_model`` (``litellm_params.base_model``, else
  ``model_info.base_model``, else the upstream model) in its cost map, prefixed with the
  deployment's provider when the name has no provider prefix, and accepts an entry only when the
  entry's ``litellm_provider`` is the deployment's provider. So ``base_model:
  "gemini/gemini-3-pro-preview"`` on an ``anthropic/...`` deployment is never priced, nor is a
  name the map does not have.

``offline_problems`` finds what the first rule alone proves (no map needed: ``validate``);
``priced_by_map`` checks a name against the cost map the proxy itself loaded (``plan``).

``unknown_base_models`` is the check of the seed scripts' successor (every declared ``base_model``
must be a key of LiteLLM's price map), made against the proxy's own map and applied also where
``litellm_params`` prices the deployment: LiteLLM still takes the context window and capabilities
it reports from the ``base_model`` entry, so a misspelt one is worth a note there too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llmproxy.desired.model import Deployment

#: litellm_params that give a deployment its own price (router ``_register_deployment_pricing``).
PRICE_PARAMS = ("input_cost_per_token", "output_cost_per_token", "input_cost_per_character",
                "output_cost_per_character", "input_cost_per_second", "output_cost_per_second",
                "cost_per_second")
#: Provider prefixes a base_model may carry (LiteLLM's provider list has many more; these are the
#: ones a model name is commonly written with, enough to prove a mismatch offline).
KNOWN_PROVIDERS = frozenset({
    "openai", "anthropic", "gemini", "vertex_ai", "bedrock", "azure", "azure_ai", "mistral", "groq",
    "deepseek", "xai", "cohere", "together_ai", "openrouter", "fireworks_ai", "perplexity", "ollama",
})
HINT = ("set litellm_params.input_cost_per_token and output_cost_per_token (on the model or in the "
        "provider's default_model), or a base_model LiteLLM prices for this provider")


@dataclass(frozen=True)
class _Finding:
    """What a check found on a deployment: its model group and where the config wrote it."""

    model_name: str
    source: str

    def _label(self) -> str:
        return f"{self.model_name} ({self.source})" if self.source else self.model_name


@dataclass(frozen=True)
class Unpriced(_Finding):
    reason: str

    def __str__(self) -> str:
        return f"{self._label()} would cost $0 in LiteLLM: {self.reason}; {HINT}"


def provider_of(params: Mapping[str, Any]) -> str:
    explicit = params.get("custom_llm_provider")
    if isinstance(explicit, str) and explicit:
        return explicit
    model = str(params.get("model", ""))
    return model.split("/", 1)[0] if "/" in model else ""


def has_explicit_price(params: Mapping[str, Any]) -> bool:
    return any(isinstance(params.get(k), (int, float)) and not isinstance(params.get(k), bool)
               and params[k] > 0 for k in PRICE_PARAMS)


def declared_base_model(dep: Deployment) -> str | None:
    """``litellm_params.base_model``, else ``model_info.base_model`` (None when neither is set)."""
    for value in (dep.litellm_params.get("base_model"), dep.model_info.get("base_model")):
        if isinstance(value, str) and value:
            return value
    return None


def pricing_name(dep: Deployment) -> str:
    return declared_base_model(dep) or dep.model


def _mismatch(provider: str, name: str) -> str | None:
    prefix = name.split("/", 1)[0] if "/" in name else ""
    if prefix in KNOWN_PROVIDERS and provider and prefix != provider:
        return (f"base_model {name!r} is priced for provider {prefix!r}, and LiteLLM looks prices up "
                f"for the deployment's provider {provider!r} only")
    return None


def priced_by_map(provider: str, name: str, cost_map: Mapping[str, Any]) -> str | None:
    """The cost-map key LiteLLM prices ``name`` by for ``provider``, or None."""
    bare = name.split("/", 1)[1] if name.startswith(f"{provider}/") else name
    lowered = {k.lower(): k for k in cost_map} if cost_map else {}
    for candidate in dict.fromkeys([f"{provider}/{bare}", name, bare]):
        key = candidate if candidate in cost_map else lowered.get(candidate.lower())
        entry = cost_map.get(key) if key else None
        if not isinstance(entry, Mapping):
            continue
        if entry.get("litellm_provider") not in (None, provider):
            continue
        if any(isinstance(entry.get(k), (int, float)) and entry[k] > 0
               for k in ("input_cost_per_token", "output_cost_per_token")):
            return key
    return None


def _problems(deployments: Iterable[Deployment], cost_map: Mapping[str, Any] | None) -> list[Unpriced]:
    found: dict[tuple[str, str], Unpriced] = {}
    for dep in deployments:
        if has_explicit_price(dep.litellm_params):
            continue
        provider, name = provider_of(dep.litellm_params), pricing_name(dep)
        reason = _mismatch(provider, name)
        if reason is None and cost_map is not None and priced_by_map(provider, name, cost_map) is None:
            reason = f"LiteLLM's cost map has no price for {name!r} under provider {provider!r}"
        if reason is not None:
            found.setdefault((dep.model_name, reason), Unpriced(dep.model_name, dep.source, reason))
    return list(found.values())


def offline_problems(deployments: Iterable[Deployment]) -> list[Unpriced]:
    """What is unpriced whatever LiteLLM's cost map holds."""
    return _problems(deployments, None)


def map_problems(deployments: Iterable[Deployment], cost_map: Mapping[str, Any]) -> list[Unpriced]:
    """What the proxy's own cost map cannot price."""
    return _problems(deployments, cost_map)


def in_map(provider: str, name: str, cost_map: Mapping[str, Any]) -> bool:
    """Is ``name`` a key of the map, as it is or under ``provider`` (LiteLLM looks keys up case-insensitively)?"""
    lowered = {k.lower() for k in cost_map}
    bare = name.split("/", 1)[1] if provider and name.startswith(f"{provider}/") else name
    return any(c.lower() in lowered for c in (name, f"{provider}/{bare}", bare))


@dataclass(frozen=True)
class UnknownBaseModel(_Finding):
    base_model: str

    def __str__(self) -> str:
        return (f"{self._label()}: base_model {self.base_model!r} is not in LiteLLM's cost map; "
                "LiteLLM knows neither its price nor its context window (check the name)")


def unknown_base_models(deployments: Iterable[Deployment], cost_map: Mapping[str, Any]) -> list[UnknownBaseModel]:
    """Deployments priced by ``litellm_params`` whose declared base_model the map does not have
    (the others are ``map_problems``' if unpriced), one per model group and name."""
    found: dict[tuple[str, str], UnknownBaseModel] = {}
    for dep in deployments:
        name = declared_base_model(dep)
        if name and has_explicit_price(dep.litellm_params) and not in_map(provider_of(dep.litellm_params), name,
                                                                            cost_map):
            found.setdefault((dep.model_name, name), UnknownBaseModel(dep.model_name, dep.source, name))
    return list(found.values())
