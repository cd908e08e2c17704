"""Kind ``fallbacks``: ``router_settings.fallbacks`` rules. Identity: the source model name.
Ownership: the ledger. Level 2: a rule names models."""

from __future__ import annotations

from typing import Any

from llmproxy.desired.model import DesiredState
from llmproxy.kinds.base import Ref
from llmproxy.kinds.router_entries import RouterEntryKind, diff_entries
from llmproxy.live.model import LiveState
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Change


class Fallbacks(RouterEntryKind):
    name = "fallbacks"
    title = "Fallbacks"
    aliases = ("fallback",)
    desired_field = "fallbacks"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        want = {r.source: list(r.targets) for r in desired.fallbacks or ()}
        return diff_entries(self.name, want, self.live_entries(live), live, ctx,
                            label=lambda k: f"fallback rule for {k!r}", top_key=lambda _k: "fallbacks")

    def live_entries(self, live: LiveState) -> dict[str, Any]:
        have: dict[str, Any] = {}
        for source, targets in live.router.fallbacks:
            have.setdefault(source, targets)  # the server uses the first rule for a source
        return have

    def normalise(self, value: Any) -> Any:
        return list(value)

    def requires(self, change: Change) -> set[Ref]:
        if not change.desired:
            return set()
        return {("model", name) for name in (change.key, *change.desired)}
