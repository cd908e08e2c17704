"""The safety thresholds: deletions/replacements and updates, configurable, typed findings."""

from __future__ import annotations

from llmproxy.litellm.api import CAPABILITIES
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.safety import Thresholds, UnsafePlan
from tests.unit.plan.builders import FP, dep, desired, live_dep_of, live_state

DEPS = [dep(f"m{i}", f"openai/m{i}") for i in range(10)]
LIVE = live_state(deployments=[live_dep_of(d, id=f"id{i}") for i, d in enumerate(DEPS)])


def unsafe(wanted: list, **options: object) -> tuple[UnsafePlan, ...]:  # type: ignore[type-arg]
    return build_plan(desired(deployments=wanted), LIVE, FP, PlanOptions(prune=True, **options),  # type: ignore[arg-type]
                      capabilities=CAPABILITIES).unsafe


def test_updating_more_than_the_update_threshold_is_unsafe() -> None:
    changed = [dep(d.model_name, d.model, rpm=7) for d in DEPS[:4]] + DEPS[4:]
    [finding] = unsafe(changed)
    assert (finding.kind, finding.action, finding.risky, finding.managed) == ("models", "updated", 4, 10)
    assert str(finding) == "models: 4 of 10 managed objects would be updated (more than 30 %)"
    assert unsafe([dep(d.model_name, d.model, rpm=7) for d in DEPS[:3]] + DEPS[3:]) == ()


def test_thresholds_are_configurable() -> None:
    assert unsafe(DEPS[:6], thresholds=Thresholds(max_delete_pct=50)) == ()
    [finding] = unsafe(DEPS[:9], thresholds=Thresholds(max_delete_pct=5))
    assert finding.threshold == 5 and finding.action == "deleted or replaced"


def test_kinds_below_the_minimum_are_never_unsafe() -> None:
    assert unsafe([], thresholds=Thresholds(min_managed=11)) == ()
    assert unsafe([], thresholds=Thresholds(min_managed=10))[0].risky == 10


def test_forced_repushes_do_not_count_as_updates() -> None:
    assert unsafe(DEPS, force=True) == ()


def test_an_allowed_unsafe_plan_never_says_sync_needs_a_flag() -> None:
    import io

    from rich.console import Console

    from llmproxy.plan.model import Plan
    from llmproxy.plan.render import render_markdown, render_text
    from llmproxy.plan.safety import UnsafePlan

    finding = UnsafePlan("models", "deleted or replaced", 5, 10, 30.0)
    for allowed, wanted in ((False, "sync needs --allow-unsafe"), (True, "allowed by --allow-unsafe")):
        plan = Plan(owner="o", kinds=("models",), prune=True, unsafe=(finding,), unsafe_allowed=allowed)
        buf = io.StringIO()
        render_text(plan, Console(file=buf, width=200))
        text = buf.getvalue() + render_markdown(plan)
        assert wanted in text and "--force" not in text
        assert ("needs" in text) is not allowed
