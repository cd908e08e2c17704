"""Build the plan from the desired and the live state, kind by kind from the registry. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmproxy.config.discovery.report import discovery_lines
from llmproxy.desired.model import DesiredState
from llmproxy.kinds import KINDS, REGISTRY, kind
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.context import Capabilities, PlanContext
from llmproxy.plan.model import Change, Finding, Plan
from llmproxy.plan.preflight import broken_references
from llmproxy.plan.safety import Thresholds, unsafe_kinds

GENERIC = Capabilities()  # a target that declares nothing special


@dataclass(frozen=True)
class PlanOptions:
    only: frozenset[str] = frozenset(KINDS)
    prune: bool = False
    force: bool = False  # --force / --repush: re-push every selected managed object
    allow_unsafe: bool = False  # --allow-unsafe: a plan over the safety thresholds may be applied
    thresholds: Thresholds = field(default_factory=Thresholds)


def build_plan(desired: DesiredState, live: LiveState, fingerprinter: Fingerprinter,
               options: PlanOptions = PlanOptions(), *,
               capabilities: Capabilities = GENERIC) -> Plan:
    kinds = tuple(k.name for k in REGISTRY if k.name in options.only and k.section(desired) is not None)
    ctx = PlanContext(owner=desired.owner, fingerprinter=fingerprinter, capabilities=capabilities,
                      force=options.force)
    results = {name: kind(name).diff(desired, live, ctx) for name in kinds}
    changes = [c for name in kinds for c in results[name].changes]
    findings = [f for name in kinds for f in (*results[name].conflicts, *results[name].ledger_repairs)]
    omitted = [k for k in KINDS if k in options.only and k not in kinds]
    if omitted:
        findings.append(Finding("", "", "omitted", "not in the config, left alone: " + ", ".join(omitted)))

    # Deletions bottom-up (highest level first): a kind may keep an object that what remains
    # still uses (a credential of a live model).
    pending: list[Change] = []
    for name in sorted(kinds, key=lambda n: -kind(n).level):
        for change in results[name].deletions:
            kept = kind(name).keep(change, live, changes)
            if kept is not None:
                findings.append(kept)
            else:
                (changes if options.prune else pending).append(change)

    findings += broken_references(changes, live)
    if "models" in kinds:
        findings += [Finding("models", "", "discovered", line) for line in discovery_lines(desired.deployments or ())]
    counts = {name: results[name].counts for name in kinds}
    return Plan(owner=desired.owner, kinds=kinds, prune=options.prune, forced=options.force,
                unsafe_allowed=options.allow_unsafe,
                changes=tuple(changes), pending_prune=tuple(pending), counts=counts,
                unsafe=tuple(unsafe_kinds(changes, counts, options.thresholds)), findings=tuple(findings))
