"""Router entries and models from LiteLLM's own config file are read-only: never planned as
changes; a desired entry that collides is a plan-time conflict; an identical one is reported."""

from __future__ import annotations

import dataclasses

from llmproxy.desired.model import FallbackRule
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Plan
from tests.unit.plan.builders import FP, dep, desired, live_dep_of, live_state


def config_owned(live: LiveState, *keys: str) -> LiveState:
    return dataclasses.replace(live, router=dataclasses.replace(live.router, sources={k: "config" for k in keys}))


def plan_of(d: object, live: LiveState, **opts: object) -> Plan:
    return build_plan(d, live, FP, PlanOptions(**opts), capabilities=CAPABILITIES)  # type: ignore[arg-type]


def test_config_file_aliases_are_never_planned_nor_pruned() -> None:
    live = config_owned(live_state(aliases={"cfg": "m1"}, fallbacks=[{"m1": ["m2"]}]), "model_group_alias",
                        "fallbacks")
    plan = plan_of(desired(aliases={}, fallbacks=()), live, prune=True)
    assert not plan.has_changes and not plan.refused
    assert plan.counts["aliases"].read_only == 1 and plan.counts["fallbacks"].read_only == 1


def test_a_desired_alias_colliding_with_the_config_file_is_a_conflict_at_plan_time() -> None:
    live = config_owned(live_state(aliases={"cfg": "m1"}), "model_group_alias")
    plan = plan_of(desired(aliases={"fast": "m1"}), live)
    assert plan.refused and not plan.changes
    assert "alias 'fast' collides with LiteLLM's config file" in plan.conflicts[0]


def test_an_identical_desired_entry_is_reported_not_written() -> None:
    live = config_owned(live_state(aliases={"cfg": "m1"}, fallbacks=[{"m1": ["m2"]}], router={"num_retries": 3}),
                        "model_group_alias", "fallbacks", "num_retries")
    plan = plan_of(desired(aliases={"cfg": "m1"}, fallbacks=(FallbackRule("m1", ("m2",)),),
                           router_settings={"num_retries": 3}), live)
    assert not plan.has_changes and not plan.refused
    assert sum("already set identically in LiteLLM's config file" in n for n in plan.notes) == 3


def test_a_model_identical_to_a_config_file_model_is_reported_not_duplicated() -> None:
    m = dep("m1", "openai/m1", credential=None)
    live = live_state(deployments=[live_dep_of(m, owner=None, id="cfg-1", db_model=False)])
    plan = plan_of(desired(deployments=(m,)), live)
    assert not plan.changes
    assert any("already defined in LiteLLM's own config file (id cfg-1" in n for n in plan.notes)
