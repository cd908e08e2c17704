"""Plain records of the teams and users LiteLLM holds (``litellm.access_read`` builds them).

Teams are found by alias and users by email (what the config names); LiteLLM's generated ids
are kept for the writes. ``settings`` hold the fields llmproxy compares, by LiteLLM name, as
LiteLLM reports them; ``spend`` is state, shown beside the budget and never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.live.marker import Marker


@dataclass(frozen=True)
class LiveMember:
    user_id: str | None
    email: str | None
    role: str  # "admin" or "user"


@dataclass(frozen=True)
class LiveTeam:
    team_id: str
    alias: str | None
    settings: Mapping[str, Any]  # models, max_budget, budget_duration, rpm_limit, tpm_limit
    metadata: Mapping[str, Any]  # without the marker
    marker: Marker | None
    members: tuple[LiveMember, ...] = ()
    spend: float | None = None
    #: Every key of LiteLLM's metadata (the marker included), so that an update can send the
    #: whole object back: /team/update replaces ``metadata`` (keeping only its own system keys).
    raw_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return False

    def member_roles(self) -> dict[str, str]:
        """lower-cased email -> role, for members LiteLLM knows the email of."""
        return {m.email.lower(): m.role for m in self.members if m.email}


@dataclass(frozen=True)
class LiveUser:
    user_id: str
    email: str | None
    settings: Mapping[str, Any]  # user_role, models, max_budget, budget_duration
    metadata: Mapping[str, Any]  # without the marker
    marker: Marker | None
    teams: tuple[str, ...] = ()  # team ids
    spend: float | None = None
    raw_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return False
