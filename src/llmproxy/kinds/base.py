"""What a resource kind is: everything llmproxy knows about one kind of LiteLLM object, in one place.

A kind names its section of the desired state, its differ (desired + live -> changes, with
ownership), how the apply step writes each change through the target, what a change needs and
provides (so that the Applier can skip the dependents of a failed write), where ownership is
recorded (a marker on the object, or the per-owner ledger for router entries), its title, its
``--only`` aliases and its apply level. The Applier walks the levels generically: creates and
updates top-down (level 0 first), deletions bottom-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from llmproxy.desired.access import Team, TeamMember, User
from llmproxy.desired.keys import DesiredKey
from llmproxy.desired.model import Credential, Deployment, DesiredState, Guardrail
from llmproxy.live.access import LiveMember, LiveTeam, LiveUser
from llmproxy.live.keys import LiveKey
from llmproxy.live.model import (
    Ledger,
    LiveCredential,
    LiveDeployment,
    LiveGuardrail,
    LiveRouter,
    LiveState,
)
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Change, Finding

#: A name one change makes available and another needs: ``("credential", "prov-openai")``.
Ref = tuple[str, str]
#: Deferred work a write leaves for the deletion phase (e.g. the old copy of a replacement).
Cleanup = Callable[[], None]


class TeamTarget(Protocol):
    """The team writes (``litellm.teams_api.TeamsApi``)."""

    def create(self, team: Team) -> str: ...
    def update(self, team: Team, live: LiveTeam, fields: Mapping[str, Any], managed_members: Iterable[str]) -> None: ...
    def add_members(self, team: Team, team_id: str, members: Sequence[TeamMember]) -> None: ...
    def set_role(self, team: Team, team_id: str, email: str, role: str) -> None: ...
    def remove_member(self, team_id: str, member: LiveMember) -> None: ...
    def delete(self, team_id: str) -> None: ...
    def key_count(self, team_id: str) -> int: ...


class UserTarget(Protocol):
    """The user writes (``litellm.users_api.UsersApi``)."""

    def create(self, user: User) -> None: ...
    def update(self, user: User, live: LiveUser, fields: Mapping[str, Any]) -> None: ...
    def delete(self, user_id: str) -> None: ...
    def key_count(self, user_id: str) -> int: ...


class Target(Protocol):
    """The writes the kinds ask of a target (``llmproxy.target.litellm.LiteLLMApi``)."""

    def create_credential(self, cred: Credential) -> None: ...
    def update_credential(self, cred: Credential, live: LiveCredential | None) -> None: ...
    def delete_credential(self, name: str) -> None: ...
    def credentials_in_use(self) -> set[str]: ...
    def create_model(self, dep: Deployment, avoid_id: str | None = None,
                     replacing: LiveDeployment | None = None) -> str: ...
    def update_model(self, dep: Deployment, live: LiveDeployment) -> None: ...
    def delete_model(self, model_id: str) -> None: ...
    def write_router(self, changes: Sequence[Change], live: LiveRouter) -> None: ...
    def write_ledger(self, ledger: Ledger, kinds: Sequence[str], exists: bool) -> None: ...
    def create_key(self, key: DesiredKey) -> None: ...
    def update_key(self, key: DesiredKey, live: LiveKey, *, stamp: bool = True) -> None: ...
    def delete_key(self, live: LiveKey) -> None: ...
    def create_guardrail(self, guardrail: Guardrail) -> None: ...
    def update_guardrail(self, guardrail: Guardrail, live: LiveGuardrail) -> None: ...
    def delete_guardrail(self, live: LiveGuardrail) -> None: ...
    def write_public_model_groups(self, changes: Sequence[Change]) -> None: ...
    @property
    def teams(self) -> TeamTarget: ...
    @property
    def users(self) -> UserTarget: ...


@dataclass(frozen=True)
class Batch:
    """Kinds written together in one request (the router entries: one ``router_settings`` write).
    ``write`` gets every ready change of the batch, deletions included."""

    name: str
    write: Callable[[Sequence[Change], LiveState, Target], None]


class ResourceKind:
    name: ClassVar[str]  # the kind, as ``--only`` and the plan's JSON name it
    title: ClassVar[str]  # heading in rendered plans
    aliases: ClassVar[tuple[str, ...]] = ()  # further ``--only`` spellings
    level: ClassVar[int]  # apply level: creates/updates ascend, deletions descend
    store: ClassVar[Literal["marker", "ledger"]] = "marker"  # where ownership is recorded
    desired_field: ClassVar[str]  # DesiredState attribute holding this kind's section
    empty: ClassVar[Any] = ()  # the section that means "there should be none"
    batch: ClassVar[Batch | None] = None
    #: An inventory beyond credentials, models and router settings this kind reads
    #: (``litellm.read.EXTRAS``), read only when the config has the kind's section.
    reads: ClassVar[str | None] = None

    def section(self, desired: DesiredState) -> Any:
        """The desired section, or None when the config omits it (leave LiteLLM's alone)."""
        return getattr(desired, self.desired_field)

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        raise NotImplementedError

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: Change, target: Target) -> Cleanup | None:
        """Create, update, adopt or replace one object; may return cleanup for the delete phase."""
        raise NotImplementedError(f"{self.name} is written in batch {self.batch}")

    def delete(self, change: Change, target: Target) -> None:
        raise NotImplementedError(f"{self.name} deletions are written in batch {self.batch}")

    def guard_deletions(self, changes: Sequence[Change], target: Target) -> dict[str, str]:
        """Deletions to skip, by change key, with the reason (checked just before deleting)."""
        return {}

    def keep(self, change: Change, live: LiveState, changes: Sequence[Change]) -> Finding | None:
        """A reason to keep an object the config no longer has (a note), or None to delete it."""
        return None

    def requires(self, change: Change) -> set[Ref]:
        """Names this change needs; if the write providing one failed, the change is skipped."""
        return set()

    def provides(self, change: Change) -> set[Ref]:
        return set()

    def blocked_reason(self, names: Sequence[str]) -> str:
        """Why a change was skipped: the names it needs whose writes failed."""
        return "needs what could not be written: " + ", ".join(names)

    def present(self, live: LiveState) -> set[Ref]:
        """Names already served before the apply: a failed write does not take them away."""
        return set()
