"""Kind ``aliases``: ``router_settings.model_group_alias`` entries. Identity: the alias name.
Ownership: the ledger. Level 2: an alias points at a model."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from llmproxy.desired.model import DesiredState
from llmproxy.kinds.base import Ref
from llmproxy.kinds.router_entries import RouterEntryKind, diff_entries
from llmproxy.live.model import LiveState, alias_target
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Change


class Aliases(RouterEntryKind):
    name = "aliases"
    title = "Aliases"
    aliases = ("alias",)
    desired_field = "aliases"
    empty: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        return diff_entries(self.name, desired.aliases or {}, live.router.aliases, live, ctx,
                            label=lambda k: f"alias {k!r}", normalise=alias_target,
                            top_key=lambda _k: "model_group_alias")

    def live_entries(self, live: LiveState) -> dict[str, Any]:
        return live.router.aliases

    def normalise(self, value: Any) -> Any:
        return alias_target(value)

    def requires(self, change: Change) -> set[Ref]:
        return {("model", change.desired)} if isinstance(change.desired, str) else set()
