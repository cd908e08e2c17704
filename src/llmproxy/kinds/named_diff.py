"""The diff of a kind whose objects are named and carry the ownership marker in LiteLLM
(credentials, guardrails): create what is missing; refuse one from LiteLLM's config file or of
another owner; adopt an unmarked one the config declares; update our own; delete (with --prune)
only ours that the config no longer declares."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from llmproxy.live.marker import Marker
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify


class Marked(Protocol):
    @property
    def read_only(self) -> bool: ...

    @property
    def marker(self) -> Marker | None: ...


W = TypeVar("W")
L = TypeVar("L", bound=Marked)


def diff_named(kind: str, noun: str, wanted: Mapping[str, W], have: Mapping[str, L], ctx: PlanContext, *,
               create_fields: Callable[[W], Sequence[FieldChange]],
               update_fields: Callable[[W, L], Sequence[FieldChange]],
               refuse: Callable[[str, W, L, Sequence[FieldChange], Owner], Finding | None] = lambda *_: None,
               ) -> DiffResult:
    """``refuse``: a conflict of the kind's own for an existing object (checked after ownership)."""
    res = DiffResult(kind)
    for name, want in wanted.items():
        current = have.get(name)
        if current is None:
            res.changes.append(Change(kind, Action.CREATE, name, tuple(create_fields(want)), desired=want))
            continue
        owner = classify(current.read_only, current.marker, ctx.owner)
        if owner is Owner.READ_ONLY:
            res.conflicts.append(Finding(
                kind, name, "read_only", f"{noun} {name!r} is defined in LiteLLM's config file and "
                "cannot be managed through the API; rename it in config.json or remove it there", "conflict"))
            continue
        if owner is Owner.FOREIGN:
            assert current.marker is not None
            res.conflicts.append(Finding(
                kind, name, "foreign", f"{noun} {name!r} belongs to owner {current.marker.owner!r}; "
                "give it another name in this config", "conflict"))
            continue
        fields = tuple(update_fields(want, current))
        refused = refuse(name, want, current, fields, owner)
        if refused is not None:
            res.conflicts.append(refused)
            continue
        if owner is Owner.UNMANAGED:
            res.counts.adoptable += 1
            res.changes.append(Change(kind, Action.ADOPT, name, fields, desired=want, live=current,
                                      reason="created outside llmproxy: adopt and stamp the ownership marker"))
            continue
        res.counts.managed += 1
        if fields or ctx.force:
            res.changes.append(Change(kind, Action.UPDATE, name, fields, desired=want, live=current,
                                      reason="" if fields else "forced re-push (--repush)"))
    for name, current in have.items():
        if name in wanted:
            continue
        owner = classify(current.read_only, current.marker, ctx.owner)
        res.counts.add(owner)
        if owner is Owner.MANAGED:
            res.deletions.append(Change(kind, Action.DELETE, name, live=current,
                                        reason="managed by this owner, no longer in the config"))
    return res
