"""A hidden alias reaches LiteLLM in its own form and reads back without drift."""

from __future__ import annotations

from llmproxy.apply.executor import Applier
from llmproxy.desired.model import DesiredState
from llmproxy.litellm.api import CAPABILITIES, LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.read import read_live
from llmproxy.plan.builder import PlanOptions, build_plan
from tests.unit.apply.fake import FakeAdmin
from tests.unit.plan.builders import FP, cred, dep

A = cred("prov-a", key="sk-provider-aaaa")
M1 = dep("m1", "openai/m1", "prov-a")


def _sync(client: LiteLLMClient, desired: DesiredState) -> int:
    live = read_live(client)
    plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
    Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP).run()
    return len(plan.changes)


def test_a_hidden_alias_is_sent_as_litellms_item_and_a_second_plan_is_empty(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    desired = DesiredState(credentials=(A,), deployments=(M1,),
                           aliases={"quiet": {"model": "m1", "hidden": True}, "fast": "m1"})
    assert _sync(client, desired) > 0
    assert fake.router["model_group_alias"] == {"quiet": {"model": "m1", "hidden": True}, "fast": "m1"}
    plan = build_plan(desired, read_live(client), FP, PlanOptions(), capabilities=CAPABILITIES)
    assert not plan.has_changes


def test_unhiding_an_alias_is_an_update(client: LiteLLMClient, fake: FakeAdmin) -> None:
    _sync(client, DesiredState(credentials=(A,), deployments=(M1,), aliases={"quiet": {"model": "m1", "hidden": True}}))
    plan = build_plan(DesiredState(credentials=(A,), deployments=(M1,), aliases={"quiet": "m1"}),
                      read_live(client), FP, PlanOptions(), capabilities=CAPABILITIES)
    assert [(c.kind, c.key, c.action.name) for c in plan.changes] == [("aliases", "quiet", "UPDATE")]
