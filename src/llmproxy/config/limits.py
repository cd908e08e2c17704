"""The fields teams, users and keys share: the models they may use, a spend limit and rate limits
(LiteLLM's names: ``models``, ``max_budget``, ``budget_duration``, ``rpm_limit``, ``tpm_limit``),
declared once for the ``teams``, ``users``, ``keys`` and ``key_policy`` sections."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from llmproxy.config.base import ConfigObject, Duration, Name, NonNegInt

Budget = Annotated[float, Field(ge=0)]


class ModelsAndBudget(ConfigObject):
    """Models and a spend limit (users; the base of ``ModelsBudgetAndRates``)."""

    models: list[Name] | None = Field(
        None, description="Model names, aliases or access groups it may use ([] = every model).")
    max_budget: Budget | None = Field(None, description="Spend limit in USD (per budget_duration if set).")
    budget_duration: Duration | None = Field(None, description="How often spend resets, e.g. 30d or monthly.")


class ModelsBudgetAndRates(ModelsAndBudget):
    """Models, a spend limit and rate limits (teams, keys)."""

    rpm_limit: NonNegInt | None = Field(None, description="Requests per minute.")
    tpm_limit: NonNegInt | None = Field(None, description="Tokens per minute.")
