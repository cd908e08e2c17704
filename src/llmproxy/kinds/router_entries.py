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
    differ = _EntryDiffer(kind, state, ctx, label, normalise, always_exists, top_key)
    for key in sorted(k for k in differ.mine - set(live) - set(desired) if not differ.read_only(k)):
        differ.repair(key, "ledger_stale", " is recorded as managed but absent from LiteLLM: drop the claim")
    for key, want in desired.items():
        differ.desired_entry(key, thaw(want), live)
    for key, have in live.items():
        if key not in desired:
            differ.undesired_entry(key, have)
    return differ.res


class _EntryDiffer:
    """The cases of ``diff_entries``, one method each, filling one DiffResult."""

    def __init__(self, kind: str, state: LiveState, ctx: PlanContext, label: Callable[[str], str],
                 normalise: Callable[[Any], Any], always_exists: bool, top_key: Callable[[str], str]) -> None:
        self.kind, self.state, self.ctx, self.label = kind, state, ctx, label
        self.normalise, self.always_exists, self.top_key = normalise, always_exists, top_key
        self.res = DiffResult(kind)
        self.ledger = state.ledger(ctx.owner)
        self.mine = self.ledger.entries(kind)

    def read_only(self, key: str) -> bool:
        return self.state.router.read_only(self.top_key(key))

    def repair(self, key: str, code: str, text: str) -> None:
        self.res.ledger_repairs.append(Finding(self.kind, key, code, f"{self.label(key)}{text}", "ledger_repair"))

    def desired_entry(self, key: str, want: Any, live: Mapping[str, Any]) -> None:
        if self.read_only(key):
            self._read_only_conflict(key, want, live)
            return
        owner = foreign_owner(self.state, self.ctx.owner, self.kind, key)
        if owner is not None:
            self.res.conflicts.append(Finding(self.kind, key, "foreign", f"{self.label(key)} is managed by owner "
                                              f"{owner!r}; remove it from one of the configs", "conflict"))
            return
        if key not in live:
            self.res.changes.append(Change(self.kind, Action.CREATE, key,
                                           (FieldChange(key, after=want, absent_before=True),), desired=want))
            return
        self._existing_entry(key, want, self.normalise(live[key]))

    def _read_only_conflict(self, key: str, want: Any, live: Mapping[str, Any]) -> None:
        where = f"router_settings.{self.top_key(key)} is set in LiteLLM's own config file"
        if key in live and same(self.normalise(live[key]), want):
            self.res.counts.read_only += 1
            self.res.conflicts.append(Finding(self.kind, key, "read_only_identical", f"{self.label(key)}: already "
                                              f"set identically in LiteLLM's config file ({where}); left to it"))
        else:
            self.res.conflicts.append(Finding(
                self.kind, key, "read_only", f"{self.label(key)} collides with LiteLLM's config file: {where} and "
                "cannot be changed through the API; remove it from this config or from LiteLLM's "
                "config.yaml", "conflict"))

    def _existing_entry(self, key: str, want: Any, have: Any) -> None:
        fields = () if same(have, want) else (FieldChange(key, before=have, after=want),)
        mine = key in self.mine
        if mine and not fields and not self.ctx.force and self.ledger.digest(self.kind, key) != value_digest(have):
            self.repair(key, "ledger_record", ": record the value written in the ledger")
        if not mine and not (self.always_exists and fields):
            self.res.counts.adoptable += 1
            self.res.changes.append(Change(self.kind, Action.ADOPT, key, fields, desired=want, live=have,
                                           reason="declared in the config, not yet recorded as managed"))
            return
        self.res.counts.managed += mine
        if fields or self.ctx.force:
            self.res.changes.append(Change(self.kind, Action.UPDATE, key, fields, desired=want, live=have))

    def undesired_entry(self, key: str, have: Any) -> None:
        if self.read_only(key):
            self.res.counts.read_only += 1
        elif key in self.mine:
            self._owned_leftover(key, self.normalise(have))
        elif foreign_owner(self.state, self.ctx.owner, self.kind, key):
            self.res.counts.foreign += 1
        else:
            self.res.counts.unmanaged += 1

    def _owned_leftover(self, key: str, have: Any) -> None:
        recorded = self.ledger.digest(self.kind, key)
        if recorded is None:
            self.repair(key, "ledger_record", ": record the value written in the ledger")
        elif recorded != value_digest(have):
            self.res.counts.unmanaged += 1
            self.repair(key, "ledger_stale", " was changed since this owner wrote it: no longer ours, never "
                                             "deleted by us (drop the claim)")
            return
        self.res.counts.managed += 1
        removal = (FieldChange(key, before=have, absent_after=True),)
        self.res.deletions.append(Change(self.kind, Action.DELETE, key, removal, live=have,
                                         reason="managed by this owner, no longer in the config"))


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
