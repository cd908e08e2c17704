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
from llmproxy.live.model import LiveState, value_digest
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
                 normalise: Callable[[Any], Any] = lambda v: v, always_exists: bool = False,
                 top_key: Callable[[str], str] = lambda k: k) -> DiffResult:
    """``always_exists``: router keys always have a value (the server's default), so changing one
    that is not yet ours is an update, not an adoption. ``top_key``: the router_settings key an
    entry lives in (``model_group_alias`` for an alias); when LiteLLM's own config file sets that
    key, its entries are read-only: never planned as changes, a desired entry that differs is a
    conflict, one that is identical is only reported.

    The ledger's claims are checked against the live values: an entry is deleted (with --prune)
    only while its value is the one this owner last wrote; a claim on an entry that is gone or was
    changed by someone else, or one without a recorded value, is a ledger repair (the next sync
    rewrites the ledger, so a lost ledger write never leaves a stale claim behind)."""
    res = DiffResult(kind)
    ledger = state.ledger(ctx.owner)
    mine = ledger.entries(kind)
    def read_only(key: str) -> bool:
        return state.router.read_only(top_key(key))

    for key in sorted(k for k in mine - set(live) - set(desired) if not read_only(k)):
        res.ledger_repairs.append(Finding(kind, key, "ledger_stale", f"{label(key)} is recorded as managed "
                                          "but absent from LiteLLM: drop the claim", "ledger_repair"))
    for key, want in desired.items():
        want = thaw(want)
        if read_only(key):
            where = f"router_settings.{top_key(key)} is set in LiteLLM's own config file"
            if key in live and same(normalise(live[key]), want):
                res.counts.read_only += 1
                res.conflicts.append(Finding(kind, key, "read_only_identical", f"{label(key)}: already set "
                                             f"identically in LiteLLM's config file ({where}); left to it"))
            else:
                res.conflicts.append(Finding(
                    kind, key, "read_only", f"{label(key)} collides with LiteLLM's config file: {where} and "
                    "cannot be changed through the API; remove it from this config or from LiteLLM's "
                    "config.yaml", "conflict"))
            continue
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
        if key in mine and not fields and not ctx.force and ledger.digest(kind, key) != value_digest(have):
            res.ledger_repairs.append(Finding(kind, key, "ledger_record",
                                              f"{label(key)}: record the value written in the ledger",
                                              "ledger_repair"))
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
        if read_only(key):
            res.counts.read_only += 1
            continue
        if key in mine:
            recorded = ledger.digest(kind, key)
            if recorded is None:
                res.ledger_repairs.append(Finding(kind, key, "ledger_record",
                                              f"{label(key)}: record the value written in the ledger",
                                              "ledger_repair"))
            elif recorded != value_digest(normalise(have)):
                res.counts.unmanaged += 1
                res.ledger_repairs.append(Finding(kind, key, "ledger_stale", f"{label(key)} was changed since "
                                                  "this owner wrote it: no longer ours, never deleted by us "
                                                  "(drop the claim)", "ledger_repair"))
                continue
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

    def live_entries(self, live: LiveState) -> dict[str, Any]:
        """The kind's entries in LiteLLM, by key (values as LiteLLM holds them)."""
        raise NotImplementedError

    def normalise(self, value: Any) -> Any:
        return value

    def digest(self, value: Any) -> str:
        """What the ledger records for a value written or read (``value_digest``)."""
        return value_digest(self.normalise(thaw(value)))

    def blocked_reason(self, names: Sequence[str]) -> str:
        return "refers to a model that could not be written: " + ", ".join(names)
