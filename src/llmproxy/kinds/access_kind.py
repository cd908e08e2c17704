"""What the ``teams``, ``users`` and ``keys`` kinds do alike.

``MarkerOwnedKind`` (all three): the live object a config name means is adopted when it carries
no marker, updated when this owner's marker is on it, and a conflict when another owner's is.
``AccessKind`` (teams, users): config objects are matched with LiteLLM's by name (``pick``: the
only one, or the only one this owner marked) and created when missing; LiteLLM's objects of this
owner that the config dropped are deleted (never one that still has keys: LiteLLM would delete
its keys with it), every other one is only counted. Each kind module keeps what differs: its
names, its fields, its wording and its writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.kinds.access_diff import pick, setting_changes, spend_context
from llmproxy.kinds.base import Ref, ResourceKind, Target
from llmproxy.live.marker import Owned
from llmproxy.live.model import LiveState
from llmproxy.plan.access_refs import GrantableNames, broken_model_references
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify


class MarkerOwnedKind(ResourceKind):
    """A kind whose objects carry llmproxy's marker and are named by the config."""

    noun: ClassVar[str]  # "team": how messages and refs name one object
    #: What to do about an object of another owner, after "team 'x' belongs to owner 'y'; ".
    foreign_hint: ClassVar[str] = "give it another alias in this config"
    adopt_reason: ClassVar[str] = "created outside llmproxy: adopt and stamp the ownership marker"

    def settle(self, res: DiffResult, name: str, desired: Any, current: Owned, ctx: PlanContext,
               fields: Callable[[], Sequence[FieldChange]], context: str) -> None:
        """Adopt, update or refuse ``current``, the live object the config's ``name`` means
        (``fields``: what to write to it, asked only when it may be written)."""
        owner = classify(False, current.marker, ctx.owner)
        if owner is Owner.FOREIGN:
            assert current.marker is not None
            res.conflicts.append(Finding(self.name, name, "foreign",
                                         f"{self.noun} {name!r} belongs to owner {current.marker.owner!r}; "
                                         f"{self.foreign_hint}", "conflict"))
            return
        changes = tuple(fields())
        if owner is Owner.UNMANAGED:
            res.counts.adoptable += 1
            res.changes.append(Change(self.name, Action.ADOPT, name, changes, desired=desired, live=current,
                                      reason=self.adopt_reason, context=context))
            return
        res.counts.managed += 1
        if changes or ctx.force:
            res.changes.append(Change(self.name, Action.UPDATE, name, changes, desired=desired, live=current,
                                      reason="" if changes else "forced re-push (--repush)", context=context))


class DesiredAccess(Protocol):
    """A desired team or user (``desired.access``)."""

    @property
    def identity(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def models(self) -> tuple[str, ...] | None: ...
    def settings(self) -> dict[str, Any]: ...


class LiveAccess(Owned, Protocol):
    """A live team or user (``live.access``)."""

    @property
    def settings(self) -> Mapping[str, Any]: ...
    @property
    def spend(self) -> float | None: ...


class AccessApi(Protocol):
    """The writes of one kind's objects by LiteLLM id that the deletion needs (``TeamTarget``,
    ``UserTarget``)."""

    def delete(self, object_id: str, /) -> None: ...
    def key_count(self, object_id: str, /) -> int: ...


WantT = TypeVar("WantT", bound=DesiredAccess)
LiveT = TypeVar("LiveT", bound=LiveAccess)


class AccessKind(MarkerOwnedKind, Generic[WantT, LiveT]):
    """Teams and users: what their kind modules share (see the module docstring)."""

    #: Names match whatever their case (emails, as LiteLLM's own duplicate check).
    case_insensitive: ClassVar[bool] = False
    #: The conflict when ``{count}`` live objects have the config's ``{name}`` and none is this owner's.
    ambiguous: ClassVar[str]

    # -- what each kind says --------------------------------------------------------------------
    def live_objects(self, live: LiveState) -> Sequence[LiveT]:
        """LiteLLM's objects of the kind: ``LiveState.<name>`` (``teams``, ``users``)."""
        objects: Sequence[LiveT] = getattr(live, self.name)
        return objects

    def live_name(self, obj: LiveT) -> str | None:
        """The name a config gives ``obj`` (None: a config cannot name it)."""
        raise NotImplementedError

    def live_id(self, obj: LiveT) -> str:
        """LiteLLM's id of ``obj``, which its writes take."""
        raise NotImplementedError

    def api(self, target: Target) -> AccessApi:
        """The kind's writes: ``Target.<name>`` (``TeamTarget``, ``UserTarget``)."""
        api: AccessApi = getattr(target, self.name)
        return api

    def create_fields(self, want: WantT) -> list[FieldChange]:
        return [FieldChange(k, after=v, absent_before=True) for k, v in want.settings().items()]

    def update_fields(self, want: WantT, current: LiveT) -> list[FieldChange]:
        return setting_changes(want.settings(), current.settings, current.marker.fields if current.marker else ())

    # -- plan -------------------------------------------------------------------------------------
    def fold(self, name: str) -> str:
        return name.lower() if self.case_insensitive else name

    def by_name(self, live: LiveState) -> dict[str, list[LiveT]]:
        out: dict[str, list[LiveT]] = {}
        for obj in self.live_objects(live):
            name = self.live_name(obj)
            if name:
                out.setdefault(self.fold(name), []).append(obj)
        return out

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        res = DiffResult(self.name)
        wanted: dict[str, WantT] = {self.fold(w.identity): w for w in self.section(desired) or ()}
        res.conflicts += broken_model_references(
            self.name, ((w.identity, w.source, w.models) for w in wanted.values()), GrantableNames(desired, live))
        found = self.by_name(live)
        for key, want in wanted.items():
            self._one(res, want, found.get(key, []), ctx)
        for key, objects in found.items():
            for current in objects:
                if key in wanted and current is pick(objects, ctx.owner):
                    continue
                owner = classify(False, current.marker, ctx.owner)
                res.counts.add(owner)
                if owner is Owner.MANAGED and key not in wanted:
                    res.deletions.append(Change(self.name, Action.DELETE,
                                                self.live_name(current) or self.live_id(current), live=current,
                                                reason="managed by this owner, no longer in the config"))
        return res

    def _one(self, res: DiffResult, want: WantT, candidates: list[LiveT], ctx: PlanContext) -> None:
        if not candidates:
            res.changes.append(Change(self.name, Action.CREATE, want.identity, tuple(self.create_fields(want)),
                                      desired=want))
            return
        current = pick(candidates, ctx.owner)
        if current is None:
            res.conflicts.append(Finding(self.name, want.identity, "ambiguous",
                                         self.ambiguous.format(count=len(candidates), name=want.identity),
                                         "conflict"))
            return
        self.settle(res, want.identity, want, current, ctx, lambda: self.update_fields(want, current),
                    spend_context(current.spend, current.settings.get("max_budget")))

    # -- apply ------------------------------------------------------------------------------------
    def delete(self, change: Change[WantT, LiveT], target: Target) -> None:
        self.api(target).delete(self.live_id(change.have()))

    def guard_deletions(self, changes: Sequence[Change], target: Target) -> dict[str, str]:
        """LiteLLM's delete takes the object's keys along: never one that still has keys."""
        out: dict[str, str] = {}
        for c in changes:
            try:
                keys = self.api(target).key_count(self.live_id(c.have()))
            except LLMProxyError as exc:
                out[c.key] = f"could not check the {self.noun}'s keys: {exc.message}"
                continue
            if keys:
                out[c.key] = (f"the {self.noun} still has {keys} key(s); LiteLLM would delete them with the "
                              f"{self.noun} (delete or move them first)")
        return out

    def provides(self, change: Change) -> set[Ref]:
        return {(self.noun, self.fold(change.key))}

    def present(self, live: LiveState) -> set[Ref]:
        return {(self.noun, self.fold(name)) for obj in self.live_objects(live) if (name := self.live_name(obj))}
