"""Live objects shaped as LiteLLM 1.106 returns them (server defaults, cost-map enrichment,
masked secrets), for export tests."""

from __future__ import annotations

import itertools
from typing import Any

from llmproxy.litellm.ledger import LEDGER_PREFIX
from llmproxy.live.marker import Marker
from llmproxy.live.model import Ledger, LiveCredential, LiveDeployment, LiveRouter, LiveState

SERVER_PARAMS = {"use_xai_oauth": False, "use_litellm_proxy": False, "use_in_pass_through": False,
                 "allow_client_keepalive_override": False, "merge_reasoning_content_in_choices": False}
#: A sample of what /v2/model/info adds when the cost map knows the model (nulls already dropped).
COST_MAP = {"key": "gpt-4o-mini", "max_tokens": 16384, "max_input_tokens": 128000, "max_output_tokens": 16384,
            "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "litellm_provider": "openai",
            "mode": "chat", "supports_vision": True, "supported_openai_params": ["temperature", "tools"],
            "search_context_cost_per_query": {"search_context_size_low": 0.025}}
ROUTER_DEFAULTS = {"routing_strategy": "simple-shuffle", "num_retries": 0, "timeout": None, "allowed_fails": None,
                   "cooldown_time": None, "model_group_alias": {}, "fallbacks": [], "routing_groups": [],
                   "enable_pre_call_checks": False, "default_litellm_params": None}
_ids = itertools.count(1)


def mask(value: str) -> str:
    return value[:2] + "****" + value[-2:] if len(value) > 4 else "*****"


def credential(name: str, api_base: str | None, provider: str | None, key: str = "sk-secret-123456",
               owner: str | None = None, **values: Any) -> LiveCredential:
    vals: dict[str, Any] = {"api_key": mask(key), **values}
    if api_base is not None:
        vals["api_base"] = api_base
    info = {"custom_llm_provider": provider} if provider else {}
    return LiveCredential(name, vals, info, Marker(owner) if owner else None)


def model(name: str, model_: str, cred: str | None = None, params: dict[str, Any] | None = None,
          info: dict[str, Any] | None = None, *, enriched: bool = True, owner: str | None = None,
          info_fields: tuple[str, ...] = (), db_model: bool = True, id: str | None = None) -> LiveDeployment:
    lp: dict[str, Any] = {"model": model_, **SERVER_PARAMS, **(params or {})}
    if cred:
        lp["litellm_credential_name"] = cred
    mid = id or f"id-{next(_ids)}"
    mi = {"id": mid, "db_model": db_model, "member_auto_router": False, "blocked": False,
          "pricing_overrides": [], **(info or {})}
    if enriched:
        mi.update({k: v for k, v in COST_MAP.items() if k not in mi})
    marker = Marker(owner, info_fields=info_fields) if owner else None
    return LiveDeployment(mid, name, lp, mi, marker, db_model)


def state(credentials: list[LiveCredential] = (), models: list[LiveDeployment] = (),
          aliases: dict[str, Any] | None = None, fallbacks: list[dict[str, list[str]]] | None = None,
          router: dict[str, Any] | None = None, ledgers: dict[str, Ledger] | None = None) -> LiveState:
    values = {**ROUTER_DEFAULTS, "model_group_alias": aliases or {}, "fallbacks": fallbacks or [], **(router or {})}
    creds = {c.name: c for c in credentials if not c.name.startswith(LEDGER_PREFIX)}
    return LiveState(creds, tuple(sorted(models, key=lambda d: (d.model_name, d.model, d.credential or "", d.id))),
                     LiveRouter(values, dict(ROUTER_DEFAULTS)), ledgers or {})


def sources(router: dict[str, Any] | None = None) -> dict[str, str]:
    """Router keys written through the API are "db"; the others LiteLLM's "default"."""
    return {k: ("db" if k in (router or {}) else "default") for k in ROUTER_DEFAULTS}
