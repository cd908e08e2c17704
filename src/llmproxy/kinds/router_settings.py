"""Kind ``router_settings``: other router keys (num_retries, timeout, ...). Identity: the key.
Ownership: the ledger. Level 2. "Deleting" one restores the server's default for it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from llmproxy.desired.model import DesiredState
from llmproxy.kinds.router_entries import RouterEntryKind, diff_entries
from llmproxy.live.model import LiveState
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange


class RouterSettings(RouterEntryKind):
    name = "router_settings"
    title = "Router settings"
    aliases = ("router", "router-settings")
    desired_field = "router_settings"
    empty: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        want = dict(desired.router_settings or {})
        mine = live.ledger(ctx.owner).entries(self.name)
        # Only keys that are set (desired) or that we manage take part; defaults are not "entries".
        have = {k: v for k, v in live.router.values.items() if k in want or k in mine}
        res = diff_entries(self.name, want, have, live, ctx, label=lambda k: f"router setting {k!r}",
                           always_exists=True)
        res.counts.unmanaged = 0
        defaults = live.router.defaults
        res.deletions = [
            Change(c.kind, Action.DELETE, c.key, (FieldChange(c.key, before=c.live, after=defaults.get(c.key)),),
                   desired=defaults.get(c.key), live=c.live,
                   reason="no longer in the config: restore LiteLLM's default")
            for c in res.deletions
        ]
        return res

    def live_entries(self, live: LiveState) -> dict[str, Any]:
        return dict(live.router.values)
