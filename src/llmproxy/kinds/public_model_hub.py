"""Kind ``public_model_hub``: the model groups LiteLLM's public model hub lists
(``/model_group/make_public``, read back through ``/public/model_hub``). Identity: the group name.
Ownership: the ledger (the list has no per-entry metadata), so groups someone else made public
stay public and are never removed by prune. Level 2: an entry names a model group or an alias.

The list is written whole, in one request: this owner's delta applied onto a fresh read taken
just before the write (``LiteLLMApi.write_public_model_groups``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from llmproxy.desired.model import DesiredState
from llmproxy.kinds.base import Batch, Ref, Target
from llmproxy.kinds.router_entries import RouterEntryKind, diff_entries
from llmproxy.live.model import LiveState
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Change, Finding

#: An entry's value (the list has none): what the plan shows and the ledger's digest is of.
PUBLIC = "public"


def _write_hub(changes: Sequence[Change], live: LiveState, target: Target) -> None:
    target.write_public_model_groups(changes)


#: The public model hub: one ``/model_group/make_public`` that keeps the groups llmproxy does not manage.
PUBLIC_HUB = Batch("public_model_hub", _write_hub)


class PublicModelHub(RouterEntryKind):
    name = "public_model_hub"
    title = "Public model hub"
    aliases = ("public-model-hub", "model_hub", "public_model_groups")
    reads = "public_model_hub"
    desired_field = "public_model_groups"
    empty: ClassVar[tuple[str, ...]] = ()
    batch = PUBLIC_HUB

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        want = {group: PUBLIC for group in desired.public_model_groups or ()}
        res = diff_entries(self.name, want, self.live_entries(live), live, ctx,
                           label=lambda k: f"public model group {k!r}",
                           top_key=lambda _k: "public_model_groups")
        known = desired.model_names() | live.model_names() | set(desired.aliases or {}) | set(live.router.aliases)
        for group in want:
            if group not in known:
                res.conflicts.append(Finding(self.name, group, "unserved", (
                    f"public model group {group!r} is neither a model nor an alias (in the config or in "
                    "LiteLLM): the hub would list a group nothing serves; fix the name or add the model"),
                    "conflict"))
        return res

    def live_entries(self, live: LiveState) -> dict[str, Any]:
        return {group: PUBLIC for group in live.public_model_groups or ()}

    def requires(self, change: Change) -> set[Ref]:
        return {("model", change.key)}

    def blocked_reason(self, names: Sequence[str]) -> str:
        return "the model group it makes public could not be written: " + ", ".join(names)
