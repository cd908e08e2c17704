"""Build the plan from the desired and the live state. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmproxy.desired.model import KINDS, DesiredState
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.credentials import diff_credentials
from llmproxy.plan.model import Action, Change, Plan
from llmproxy.plan.models import diff_models
from llmproxy.plan.preflight import broken_references, unsafe_kinds
from llmproxy.plan.router import diff_aliases, diff_fallbacks, diff_router_settings

Differ = Callable[[DesiredState, LiveState, PlanContext], DiffResult]
DIFFERS: dict[str, tuple[Differ, Callable[[DesiredState], object]]] = {
    "credentials": (diff_credentials, lambda d: d.credentials),
    "models": (diff_models, lambda d: d.deployments),
    "aliases": (diff_aliases, lambda d: d.aliases),
    "fallbacks": (diff_fallbacks, lambda d: d.fallbacks),
    "router_settings": (diff_router_settings, lambda d: d.router_settings),
}


@dataclass(frozen=True)
class PlanOptions:
    only: frozenset[str] = frozenset(KINDS)
    prune: bool = False
    force: bool = False


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
               options: PlanOptions = PlanOptions()) -> Plan:
    kinds = tuple(k for k in KINDS if k in options.only and DIFFERS[k][1](desired) is not None)
    plan = Plan(owner=desired.owner, kinds=kinds, prune=options.prune)
    ctx = PlanContext(owner=desired.owner, fingerprinter=fingerprinter, force=options.force)
    results: dict[str, DiffResult] = {}
    for kind in kinds:
        differ, _ = DIFFERS[kind]
        results[kind] = res = differ(desired, live, ctx)
        plan.counts[kind] = res.counts
        plan.conflicts += res.conflicts
        plan.changes += res.changes
    omitted = [k for k in KINDS if k in options.only and k not in kinds]
    if omitted:
        plan.notes.append("not in the config, left alone: " + ", ".join(omitted))

    # Deletions: models first so that credential references are known.
    for kind in sorted(kinds, key=lambda k: k == "credentials"):
        for change in results[kind].deletions:
            if kind == "credentials":
                refs = _referenced_credentials(live, plan.changes).get(change.key, 0)
                if refs:
                    plan.notes.append(f"credential {change.key!r} is no longer in the config but is kept: "
                                      f"{refs} model(s) still use it")
                    continue
            (plan.changes if options.prune else plan.pending_prune).append(change)

    plan.broken_refs = broken_references(plan.changes, live)
    plan.unsafe = unsafe_kinds(plan)
    return plan
