"""Build the plan from the desired and the live state, kind by kind from the registry. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmproxy.desired.model import DesiredState
from llmproxy.kinds import KINDS, REGISTRY, kind
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.context import Capabilities, DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, Plan
from llmproxy.plan.preflight import broken_references
from llmproxy.plan.safety import Thresholds, unsafe_kinds

GENERIC = Capabilities()  # a target that declares nothing special


@dataclass(frozen=True)
class PlanOptions:
    only: frozenset[str] = frozenset(KINDS)
    prune: bool = False
    force: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)


def _referenced_credentials(live: LiveState, plan_changes: list[Change]) -> dict[str, int]:
    """Live models (that survive the plan) per credential name."""
    gone = {c.live.id for c in plan_changes if c.kind == "models" and c.action is Action.DELETE}
    refs: dict[str, int] = {}
    for d in live.deployments:
        if d.id not in gone and d.credential:
            refs[d.credential] = refs.get(d.credential, 0) + 1
    for c in plan_changes:
        if c.kind == "models" and c.desired is not None and c.desired.credential:
            refs[c.desired.credential] = refs.get(c.desired.credential, 0) + 1
    return refs


def build_plan(desired: DesiredState, live: LiveState, fingerprinter: Fingerprinter,
               options: PlanOptions = PlanOptions(), *,
               capabilities: Capabilities = GENERIC) -> Plan:
    kinds = tuple(k.name for k in REGISTRY if k.name in options.only and k.section(desired) is not None)
    plan = Plan(owner=desired.owner, kinds=kinds, prune=options.prune, forced=options.force)
    ctx = PlanContext(owner=desired.owner, fingerprinter=fingerprinter, capabilities=capabilities,
                      force=options.force)
    results: dict[str, DiffResult] = {}
    for name in kinds:
        results[name] = res = kind(name).diff(desired, live, ctx)
        plan.counts[name] = res.counts
        plan.conflicts += res.conflicts
        plan.changes += res.changes
        plan.ledger_repairs += res.ledger_repairs
    omitted = [k for k in KINDS if k in options.only and k not in kinds]
    if omitted:
        plan.notes.append("not in the config, left alone: " + ", ".join(omitted))

    # Deletions bottom-up (highest level first), so that what still refers to a credential is known.
    for name in sorted(kinds, key=lambda n: -kind(n).level):
        for change in results[name].deletions:
            if name == "credentials":
                refs = _referenced_credentials(live, plan.changes).get(change.key, 0)
                if refs:
                    plan.notes.append(f"credential {change.key!r} is no longer in the config but is kept: "
                                      f"{refs} model(s) still use it")
                    continue
            (plan.changes if options.prune else plan.pending_prune).append(change)

    plan.broken_refs = broken_references(plan.changes, live)
    plan.unsafe = unsafe_kinds(plan.changes, plan.counts, options.thresholds)
    return plan
