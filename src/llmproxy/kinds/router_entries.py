"""What the router-entry kinds (aliases, fallbacks, other router keys) share: the differ over
entries, and the batch that writes them all in one ``router_settings`` request.

Router settings carry no per-entry metadata, so ownership comes from the per-owner ledger (see
``litellm.ledger``): an entry is managed when this owner's ledger lists it, foreign when another
owner's does, adoptable when the config declares it and nobody's ledger has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llmproxy.desired.model import thaw
from llmproxy.kinds.base import Batch, ResourceKind, Target
from llmproxy.live.model import LiveState
from llmproxy.plan.compare import same
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding


def foreign_owner(live: LiveState, owner: str, kind: str, key: str) -> str | None:
    """The other owner whose ledger lists ``key`` (None when ours or nobody's)."""
    if key in live.ledger(owner).entries(kind):
        return None
    return next((o for o, led in sorted(live.ledgers.items()) if o != owner and key in led.entries(kind)), None)


def diff_entries(kind: str, desired: Mapping[str, Any], live: Mapping[str, Any], state: LiveState,
                 ctx: PlanContext, label: Callable[[str], str],
                 normalise: Callable[[Any], Any] = lambda v: v, always_exists: bool = False) -> DiffResult:
    """``always_exists``: router keys always have a value (the server's default), so changing one
    that is not yet ours is an update, not an adoption."""
    res = DiffResult(kind)
    mine = state.ledger(ctx.owner).entries(kind)
    for key, want in desired.items():
        want = thaw(want)
        owner = foreign_owner(state, ctx.owner, kind, key)
        if owner is not None:
            res.conflicts.append(Finding(kind, key, "foreign", f"{label(key)} is managed by owner {owner!r}; "
                                         "remove it from one of the configs", "conflict"))
            continue
        if key not in live:
            res.changes.append(Change(kind, Action.CREATE, key, (FieldChange(key, after=want, absent_before=True),),
                                      desired=want))
            continue
        have = normalise(live[key])
        fields = () if same(have, want) else (FieldChange(key, before=have, after=want),)
        if key not in mine and not (always_exists and fields):
            res.counts.adoptable += 1
            res.changes.append(Change(kind, Action.ADOPT, key, fields, desired=want, live=have,
                                      reason="declared in the config, not yet recorded as managed"))
        else:
            res.counts.managed += key in mine
            if fields or ctx.force:
                res.changes.append(Change(kind, Action.UPDATE, key, fields, desired=want, live=have))
    for key, have in live.items():
        if key in desired:
            continue
        if key in mine:
            res.counts.managed += 1
            res.deletions.append(Change(kind, Action.DELETE, key,
                                        (FieldChange(key, before=normalise(have), absent_after=True),),
                                        live=normalise(have), reason="managed by this owner, no longer in the config"))
        elif foreign_owner(state, ctx.owner, kind, key):
            res.counts.foreign += 1
        else:
            res.counts.unmanaged += 1
    return res


def _write_router(changes: Sequence[Change], live: LiveState, target: Target) -> None:
    target.write_router(changes, live.router)


#: Aliases, fallbacks and router keys: one write that keeps the entries llmproxy does not manage.
ROUTER = Batch("router_settings", _write_router)


class RouterEntryKind(ResourceKind):
    """An entry of router settings: ownership in the ledger, written in the router batch."""

    store = "ledger"
    level = 2
    batch = ROUTER

    def blocked_reason(self, names: Sequence[str]) -> str:
        return "refers to a model that could not be written: " + ", ".join(names)
