"""Inputs and outputs shared by the per-kind differs, and what the planner asks of a target."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmproxy.live.marker import Fingerprinter
from llmproxy.plan.model import Change, Finding, KindCounts


@dataclass(frozen=True)
class Capabilities:
    """What a target can do and what its server adds on its own, as far as planning cares.
    Each target declares its own (``llmproxy.litellm.CAPABILITIES``); the planner never assumes."""

    name: str = "the target"
    #: Can an in-place update remove a field? If not, removing one needs a replacement.
    update_removes_fields: bool = True
    #: Deployment params the server adds with a default value (never drift, never "removed").
    server_default_params: frozenset[str] = frozenset()
    #: Deployment info fields the server generates or derives itself.
    server_info_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanContext:
    owner: str
    fingerprinter: Fingerprinter
    capabilities: Capabilities = field(default_factory=Capabilities)
    force: bool = False


@dataclass
class DiffResult:
    kind: str
    changes: list[Change] = field(default_factory=list)  # creates, updates, adoptions, replacements
    deletions: list[Change] = field(default_factory=list)  # candidates: applied only with --prune
    counts: KindCounts = field(default_factory=KindCounts)
    conflicts: list[Finding] = field(default_factory=list)
