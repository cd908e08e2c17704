"""Diffs for the router entries: aliases (``model_group_alias``), fallbacks, other router keys.

Router settings carry no per-entry metadata, so ownership comes from the per-owner ledger (see
``live.ledger``): an entry is managed when this owner's ledger lists it, foreign when another
owner's does, adoptable when the config declares it and nobody's ledger has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from llmproxy.desired.model import DesiredState, thaw
from llmproxy.live.model import LiveState
from llmproxy.plan.compare import same
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange


def alias_target(value: Any) -> Any:
    """LiteLLM accepts ``"target"`` or ``{"model": "target", "hidden": bool}``."""
    if isinstance(value, Mapping) and "model" in value:
        return value["model"] if not value.get("hidden") else dict(value)
    return value


def _diff_entries(kind: str, desired: Mapping[str, Any], live: Mapping[str, Any], state: LiveState,
                  ctx: PlanContext, label: Callable[[str], str],
                  normalise: Callable[[Any], Any] = lambda v: v, always_exists: bool = False) -> DiffResult:
    """``always_exists``: router keys always have a value (LiteLLM's default), so changing one
    that is not yet ours is an update, not an adoption."""
    res = DiffResult(kind)
    mine = state.ledger(ctx.owner).entries(kind)
    others = {o: led.entries(kind) for o, led in state.ledgers.items() if o != ctx.owner}

    def foreign_owner(key: str) -> str | None:
        return next((o for o, entries in others.items() if key in entries), None)

    for key, want in desired.items():
        want = thaw(want)
        owner = foreign_owner(key) if key not in mine else None
        if owner is not None:
            res.conflicts.append(f"{label(key)} is managed by owner {owner!r}; remove it from one of the configs")
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
            removal = FieldChange(key, before=normalise(have), absent_after=True)
            res.deletions.append(Change(kind, Action.DELETE, key, (removal,),
                                        live=normalise(have), reason="managed by this owner, no longer in the config"))
        elif foreign_owner(key):
            res.counts.foreign += 1
        else:
            res.counts.unmanaged += 1
    return res


def diff_aliases(desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
    return _diff_entries("aliases", desired.aliases or {}, live.router.aliases, live, ctx,
                         label=lambda k: f"alias {k!r}", normalise=alias_target)


def diff_fallbacks(desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
    want = {r.source: list(r.targets) for r in desired.fallbacks or ()}
    have: dict[str, Any] = {}
    for source, targets in live.router.fallbacks:
        have.setdefault(source, targets)
    return _diff_entries("fallbacks", want, have, live, ctx, label=lambda k: f"fallback rule for {k!r}")


def diff_router_settings(desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
    """Router keys: "deleting" one restores LiteLLM's default for it."""
    want = dict(desired.router_settings or {})
    mine = live.ledger(ctx.owner).router_settings
    # Only keys that are set (desired) or that we manage take part; defaults are not "entries".
    have = {k: v for k, v in live.router.values.items() if k in want or k in mine}
    res = _diff_entries("router_settings", want, have, live, ctx, label=lambda k: f"router setting {k!r}",
                         always_exists=True)
    res.counts.unmanaged = 0
    res.deletions = [
        Change(c.kind, Action.DELETE, c.key,
               (FieldChange(c.key, before=c.live, after=live.router.defaults.get(c.key)),),
               desired=live.router.defaults.get(c.key), live=c.live,
               reason="no longer in the config: restore LiteLLM's default")
        for c in res.deletions
    ]
    return res
