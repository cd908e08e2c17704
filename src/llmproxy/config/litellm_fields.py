"""The ``model_info`` / ``litellm_params`` values LiteLLM (1.106) validates, checked before sending.

LiteLLM parses ``POST /model/new`` into pydantic models (``types/router.py`` ``ModelInfo`` and
``LiteLLM_Params``, lax mode, unknown keys allowed) and answers 422 for a value of the wrong type
or outside an enum or range. The fields below mirror those declarations (the typed scalar ones a
config sets); the e2e suite checks them against the pinned LiteLLM. Prices in ``model_info`` are
refused: LiteLLM prices a deployment from its ``litellm_params`` and does not keep them in
``model_info``, so ``sync`` would never converge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmproxy.config.paths import JsonPath
from llmproxy.desired.model import Deployment, thaw


class LiteLLMModelInfo(BaseModel):
    """``litellm.types.router.ModelInfo``: the typed fields."""

    model_config = ConfigDict(extra="allow")

    base_model: str | None = None
    tier: Literal["free", "paid"] | None = None
    team_id: str | None = None
    team_public_model_name: str | None = None
    blocked: bool | None = None
    discoverable: bool | None = None
    allow_fail_open: bool | None = None
    enable_tag_filtering: bool | None = None
    internal_router_model: bool | None = None
    ptu_count: Annotated[int, Field(gt=0, le=1_000_000)] | None = None
    cost_per_ptu_per_hour: Annotated[float, Field(ge=0, le=1_000_000.0)] | None = None
    ptu_effective_from: datetime | None = None
    ptu_effective_to: datetime | None = None
    access_groups: list[str] | None = None


class LiteLLMParams(BaseModel):
    """``litellm.types.router.LiteLLM_Params``: the typed scalar fields."""

    model_config = ConfigDict(extra="allow")

    model: str
    api_base: str | None = None
    api_version: str | None = None
    custom_llm_provider: str | None = None
    organization: str | None = None
    region_name: str | None = None
    tpm: int | None = None
    rpm: int | None = None
    itpm: int | None = None
    otpm: int | None = None
    max_retries: int | None = None
    timeout: float | str | None = None
    stream_timeout: float | str | None = None
    max_budget: float | None = None
    budget_duration: str | None = None
    max_file_size_mb: float | None = None
    keepalive_seconds: float | None = None
    default_api_key_tpm_limit: int | None = None
    default_api_key_rpm_limit: int | None = None
    use_in_pass_through: bool | None = None
    use_litellm_proxy: bool | None = None
    use_chat_completions_api: bool | None = None
    merge_reasoning_content_in_choices: bool | None = None
    tags: list[str] | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    input_cost_per_character: float | None = None
    output_cost_per_character: float | None = None
    cache_read_input_token_cost: float | None = None
    cache_creation_input_token_cost: float | None = None
    input_cost_per_second: float | None = None
    output_cost_per_second: float | None = None
    cost_per_second: float | None = None


def is_price_field(key: str) -> bool:
    """A pricing key (``input_cost_per_token``, ``cache_read_input_token_cost``, ``tiered_pricing``...)."""
    return ("cost" in key and key != "cost_per_ptu_per_hour") or key == "tiered_pricing"


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
    return []


#: model_info audit fields llmproxy sets itself (``litellm.metadata``).
AUDIT_FIELDS = frozenset({"created_at", "created_by", "updated_at", "updated_by"})


def field_issues(dep: Deployment, source: JsonPath) -> list[tuple[str, JsonPath]]:
    """(message, path) for every value of ``dep`` that LiteLLM would refuse or drop."""
    out: list[tuple[str, JsonPath]] = []
    info, params = thaw(dep.model_info), thaw(dep.litellm_params)
    for key in sorted(k for k in info if is_price_field(k)):
        message = (f"model_info.{key}: LiteLLM does not price from model_info (nor keep the value there, so "
                   f"sync would never converge); put it in litellm_params.{key}")
        out.append((message, (*source, "model_info", key)))
    for key in sorted(k for k in info if k in AUDIT_FIELDS):
        out.append((f"model_info.{key} is written by llmproxy on every create and update (the audit fields "
                    "LiteLLM's UI shows); remove it from the config", (*source, "model_info", key)))
    for section, model, data in (("model_info", LiteLLMModelInfo, info), ("litellm_params", LiteLLMParams, params)):
        for loc, msg in _errors(model, data):
            key = loc.split(".", 1)[0]
            out.append((f"{section}.{loc}: LiteLLM would refuse {data.get(key)!r} ({msg})", (*source, section, key)))
    return out
