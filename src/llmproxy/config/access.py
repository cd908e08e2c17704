"""The access sections of the config file: ``teams`` and ``users`` (pydantic, the edge).

``teams`` maps a team alias (LiteLLM's ``team_alias``: the identity llmproxy adopts by) to its
models, limits, members and metadata; ``users`` maps an email (LiteLLM's ``user_email``) to its
role, limits, models and teams. Like the rest of the schema everything is optional here (a
``config.local.json`` is a partial document); rules across sections (a user's team must be
declared, a model name must exist) are checked when the desired state is compiled
(``config.access_compile``) and planned.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from llmproxy.config.base import ConfigObject, Name, NamedMap
from llmproxy.config.limits import ModelsAndBudget, ModelsBudgetAndRates

#: A team member's role inside the team (LiteLLM ``Member.role``).
TeamRole = Literal["admin", "user"]
#: A user's role on the proxy (what LiteLLM's ``/user/new`` and ``/user/update`` accept).
UserRole = Literal["proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
Email = Annotated[str, Field(pattern=EMAIL_PATTERN, description="An email address.")]

#: Where LiteLLM keeps llmproxy's ownership marker: never written by hand.
_MARKER_HINT = "metadata.llmproxy is llmproxy's ownership marker and cannot be set in the config"


class TeamMemberConfig(ConfigObject):
    """``{"email": ..., "role": "admin"}``; a plain email string means role ``user``."""

    email: Email
    role: TeamRole | None = Field(None, description='"admin" or "user" [default: "user"].')


class TeamConfig(ModelsBudgetAndRates):
    """One team, keyed by its alias. Its limits hold for the whole team."""

    key_hints: ClassVar[dict[str, str]] = {
        "team_alias": "the team's alias is its key in \"teams\"",
        "team_id": "LiteLLM generates team ids; llmproxy finds the team by its alias (the key in \"teams\")",
        "spend": "spend is state, not config: llmproxy shows it in the plan and never sets it",
        "members_with_roles": 'list members in "members": ["a@example.com", {"email": ..., "role": "admin"}]',
        "max_parallel_requests": "LiteLLM 1.106 does not limit parallel requests per team (its team endpoints "
                                 "take no such field, its limiter has no team gauge); set it on the team's keys",
    }

    members: list[Email | TeamMemberConfig] | None = Field(
        None, description='Emails or {"email", "role"}; absent: membership left alone.')
    metadata: dict[str, Any] | None = Field(None, description="Free-form team metadata.")

    @field_validator("metadata")
    @classmethod
    def _no_marker(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value and "llmproxy" in value:
            raise PydanticCustomError("marker_in_metadata", _MARKER_HINT)
        return value


class TeamMap(NamedMap):
    """Team alias -> team."""

    __pydantic_extra__: dict[str, TeamConfig]


class UserConfig(ModelsAndBudget):
    """One internal user, keyed by email (checked when compiled: ``config.access_compile``)."""

    key_hints: ClassVar[dict[str, str]] = {
        "user_email": "the user's email is its key in \"users\"",
        "user_id": "LiteLLM generates user ids; llmproxy finds the user by email (the key in \"users\")",
        "user_role": 'the role is "role"',
        "spend": "spend is state, not config: llmproxy shows it in the plan and never sets it",
    }

    role: UserRole | None = Field(None, description="The user's role on the proxy [LiteLLM default: internal_user].")
    models: list[Name] | None = Field(
        None, description="Model names, aliases or access groups for the user's personal keys.")
    teams: list[Name] | None = Field(
        None, description='Aliases of teams (declared in "teams") the user is a member of (role user).')


class UserMap(NamedMap):
    """Email -> user."""

    __pydantic_extra__: dict[str, UserConfig]
