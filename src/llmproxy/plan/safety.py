"""The safety thresholds (octoDNS style): a plan that deletes or replaces, or updates, more than a
share of the managed objects of a kind (when it has at least ``min_managed`` of them) is unsafe;
``sync`` refuses it unless forced. Adoptions and forced re-pushes are not counted as updates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from llmproxy.plan.model import Action, Change, KindCounts

DELETE_ACTIONS = (Action.DELETE, Action.REPLACE)


@dataclass(frozen=True)
class Thresholds:
    max_delete_pct: float = 30.0  # deletions + replacements, % of the managed objects of a kind
    max_update_pct: float = 30.0  # in-place updates, % of the managed objects of a kind
    min_managed: int = 10  # kinds with fewer managed objects are never unsafe


@dataclass(frozen=True)
class UnsafePlan:
    """One kind over one threshold."""

    kind: str
    action: str  # "deleted or replaced" / "updated"
    risky: int
    managed: int
    threshold: float  # percent

    def __str__(self) -> str:
        return (f"{self.kind}: {self.risky} of {self.managed} managed objects would be {self.action} "
                f"(more than {self.threshold:g} %)")

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "action": self.action, "risky": self.risky, "managed": self.managed,
                "threshold_pct": self.threshold, "message": str(self)}


def _updates(changes: Sequence[Change], kind: str) -> int:
    return sum(1 for c in changes if c.kind == kind and c.action is Action.UPDATE and c.fields)


def unsafe_kinds(changes: Sequence[Change], counts: Mapping[str, KindCounts],
                 thresholds: Thresholds) -> list[UnsafePlan]:
    out: list[UnsafePlan] = []
    for kind, kc in counts.items():
        managed = kc.managed
        if managed < thresholds.min_managed:
            continue
        risky = sum(1 for c in changes if c.kind == kind and c.action in DELETE_ACTIONS)
        if risky * 100 > thresholds.max_delete_pct * managed:
            out.append(UnsafePlan(kind, "deleted or replaced", risky, managed, thresholds.max_delete_pct))
        updates = _updates(changes, kind)
        if updates * 100 > thresholds.max_update_pct * managed:
            out.append(UnsafePlan(kind, "updated", updates, managed, thresholds.max_update_pct))
    return out
