"""Desired teams and users: who may use which models, at what budget (typed, immutable).

Identity is what a person reads in the config and what llmproxy adopts by: a team's alias
(LiteLLM ``team_alias``; LiteLLM's generated ``team_id`` is live state) and a user's email
(LiteLLM ``user_email``; ``user_id`` is live state). ``None`` for a field means "the config does
not set it: leave LiteLLM's value alone"; spend is never desired state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import freeze, thaw

#: The budget and rate fields a team or user may set, in LiteLLM's names, in display order.
LIMIT_FIELDS: tuple[str, ...] = ("max_budget", "budget_duration", "rpm_limit", "tpm_limit")
#: Every team field llmproxy sets and compares, by LiteLLM name.
TEAM_FIELDS: tuple[str, ...] = ("models", *LIMIT_FIELDS)
#: Every user field llmproxy sets and compares, by LiteLLM name.
USER_FIELDS: tuple[str, ...] = ("user_role", "models", "max_budget", "budget_duration")


@dataclass(frozen=True)
class TeamMember:
    """A member of a team: the user's email and role in the team ("admin" or "user")."""

    email: str
    role: str = "user"


@dataclass(frozen=True)
class Team:
    """A LiteLLM team (``POST /team/new``). Identity: ``alias``."""

    alias: str
    models: tuple[str, ...] | None = None  # model names, aliases or access groups; None: not set
    max_budget: float | None = None
    budget_duration: str | None = None
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    members: tuple[TeamMember, ...] | None = None  # None: membership left alone
    metadata: Mapping[str, Any] = field(default_factory=dict)  # without llmproxy's marker
    source: str = ""  # JSON path, for messages: teams.research

    def __post_init__(self) -> None:
        if self.models is not None:
            object.__setattr__(self, "models", tuple(self.models))
        if self.members is not None:
            object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "metadata", freeze(self.metadata))

    @property
    def identity(self) -> str:
        return self.alias

    def settings(self) -> dict[str, Any]:
        """The LiteLLM fields the config sets (``models`` and the limits), by LiteLLM name."""
        out: dict[str, Any] = {} if self.models is None else {"models": list(self.models)}
        out.update({k: getattr(self, k) for k in LIMIT_FIELDS if getattr(self, k) is not None})
        return out

    def member_roles(self) -> dict[str, str]:
        """email -> role of the declared members ({} when membership is left alone)."""
        return {m.email: m.role for m in self.members or ()}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"team_alias": self.alias, **self.settings()}
        if self.members is not None:
            out["members"] = [{"user_email": m.email, "role": m.role} for m in self.members]
        if self.metadata:
            out["metadata"] = thaw(self.metadata)
        return out


@dataclass(frozen=True)
class User:
    """A LiteLLM internal user (``POST /user/new``). Identity: ``email``. Team membership is
    held by the teams (``Team.members``): a user's ``teams`` in the config is folded into them."""

    email: str
    role: str | None = None  # proxy_admin, proxy_admin_viewer, internal_user, internal_user_viewer
    max_budget: float | None = None
    budget_duration: str | None = None
    models: tuple[str, ...] | None = None
    teams: tuple[str, ...] = ()  # team aliases (as declared; membership is applied by the teams kind)
    source: str = ""  # JSON path, for messages: users["ana@example.com"]

    def __post_init__(self) -> None:
        if self.models is not None:
            object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "teams", tuple(self.teams))

    @property
    def identity(self) -> str:
        return self.email

    def settings(self) -> dict[str, Any]:
        """The LiteLLM fields the config sets, by LiteLLM name (``user_role``, ``models``, limits)."""
        out: dict[str, Any] = {} if self.role is None else {"user_role": self.role}
        if self.models is not None:
            out["models"] = list(self.models)
        out.update({k: getattr(self, k) for k in ("max_budget", "budget_duration")
                    if getattr(self, k) is not None})
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"user_email": self.email, **self.settings()}
        if self.teams:
            out["teams"] = list(self.teams)
        return out
