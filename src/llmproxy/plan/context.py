"""Inputs and outputs shared by the per-kind differs."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmproxy.live.marker import Fingerprinter
from llmproxy.plan.model import Change, KindCounts


@dataclass(frozen=True)
class PlanContext:
    owner: str
    fingerprinter: Fingerprinter
    force: bool = False


@dataclass
class DiffResult:
    kind: str
    changes: list[Change] = field(default_factory=list)  # creates, updates, adoptions, replacements
    deletions: list[Change] = field(default_factory=list)  # candidates: applied only with --prune
    counts: KindCounts = field(default_factory=KindCounts)
    conflicts: list[str] = field(default_factory=list)
