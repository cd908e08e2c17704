"""Audit fields on deployments (set on create/update, kept otherwise, never a diff) and
coexistence with other tools (their keys in credential_info / model_info / guardrail_info survive
adoption, updates and replacements), against the in-memory LiteLLM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from llmproxy.apply.executor import Applier
from llmproxy.apply.report import ApplyReport
from llmproxy.desired.model import Credential, DesiredState, Guardrail
from llmproxy.litellm.api import CAPABILITIES, LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.metadata import audit_fields, carried_model_info, others_keys
from llmproxy.litellm.read import EXTRAS, read_live
from llmproxy.live.marker import Marker
from llmproxy.live.model import LiveDeployment
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan
from tests.unit.apply.fake import FakeAdmin
from tests.unit.plan.builders import FP, cred, dep

FINGERPRINT = "_llmproxy_config_fingerprint"  # the seed scripts' successor: refuses to run without it
A = cred("prov-a", key="sk-provider-aaaa")
M1 = dep("m1", "openai/m1", "prov-a")


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_ACTOR", "ci-job-7")


def plan_of(client: LiteLLMClient, desired: DesiredState, **options: Any) -> Plan:
    return build_plan(desired, read_live(client, EXTRAS), FP, PlanOptions(**options), capabilities=CAPABILITIES)


def apply(client: LiteLLMClient, desired: DesiredState, **options: Any) -> tuple[Plan, ApplyReport]:
    live = read_live(client, EXTRAS)
    plan = build_plan(desired, live, FP, PlanOptions(**options), capabilities=CAPABILITIES)
    target = LiteLLMApi(client, "llmproxy", FP, extras=EXTRAS)
    return plan, Applier(target, desired, live, plan, FP).run()


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- audit fields -------------------------------------------------------------------------------------


def test_audit_fields_of_a_first_write_say_who_and_when_twice() -> None:
    fields = audit_fields(None, who="ci-job-7", now="2026-01-02T03:04:05.678Z")
    assert fields == {"created_at": "2026-01-02T03:04:05.678Z", "created_by": "ci-job-7",
                      "updated_at": "2026-01-02T03:04:05.678Z", "updated_by": "ci-job-7"}


def test_audit_fields_keep_the_creation_and_renew_the_update() -> None:
    previous = {"created_at": "2025-01-01T00:00:00.000Z", "created_by": "successor",
                "updated_at": "2025-06-01T00:00:00.000Z", "updated_by": "successor"}
    fields = audit_fields(previous, who="ci-job-7", now="2026-01-02T03:04:05.678Z")
    assert fields == {"created_at": "2025-01-01T00:00:00.000Z", "created_by": "successor",
                      "updated_at": "2026-01-02T03:04:05.678Z", "updated_by": "ci-job-7"}
    # A deployment made without them (e.g. in LiteLLM's UI) gets them on its first llmproxy write.
    assert audit_fields({"created_by": ""}, who="x", now="t")["created_by"] == "x"


def test_created_deployments_carry_audit_fields_and_they_are_never_a_diff(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    desired = DesiredState(credentials=(A,), deployments=(M1,))
    _, report = apply(client, desired)
    assert report.ok, report.to_json()
    [row] = fake.models.values()
    info = row["model_info"]
    assert info["created_by"] == info["updated_by"] == "ci-job-7"
    assert info["created_at"] == info["updated_at"] and info["created_at"].endswith("Z")
    assert plan_of(client, desired).changes == ()  # nothing to do: the audit fields are not compared


def test_an_update_renews_updated_and_keeps_created(client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    [row] = fake.models.values()
    row["model_info"]["created_at"] = "2025-01-01T00:00:00.000Z"
    row["model_info"]["created_by"] = "someone-else"
    changed = dep("m1", "openai/m1", "prov-a", rpm=10)
    plan, report = apply(client, DesiredState(credentials=(A,), deployments=(changed,)))
    assert [c.action for c in plan.changes] == [Action.UPDATE] and report.ok
    info = fake.models[row["model_info"]["id"]]["model_info"]
    assert (info["created_at"], info["created_by"]) == ("2025-01-01T00:00:00.000Z", "someone-else")
    assert info["updated_by"] == "ci-job-7" and _stamp(info["updated_at"]) > _stamp(info["created_at"])


def test_the_config_cannot_set_audit_fields(tmp_path: Any) -> None:
    from llmproxy.config.litellm_fields import field_issues
    from llmproxy.desired.model import Deployment

    issues = field_issues(Deployment("m", {"model": "openai/m"}, {"created_by": "me"}), ("models", 0))
    assert [path for _, path in issues] == [("models", 0, "model_info", "created_by")]
    assert "written by llmproxy" in issues[0][0]


# -- coexistence ---------------------------------------------------------------------------------------


def test_others_keys_are_the_ones_neither_the_config_nor_llmproxy_set() -> None:
    live = {"custom_llm_provider": "OpenAI", FINGERPRINT: "abc", "tier": "old", "llmproxy": {"owner": "x"}}
    marker = Marker("llmproxy", info_fields=("tier",))
    assert others_keys(live, {"custom_llm_provider": "OpenAI"}, marker) == {FINGERPRINT: "abc"}
    assert others_keys(live, {}, None) == {"custom_llm_provider": "OpenAI", FINGERPRINT: "abc", "tier": "old"}


def test_adopting_a_credential_keeps_another_tools_fingerprint(client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.credentials["prov-a"] = {"credential_name": "prov-a", "credential_values": dict(A.values),
                                  "credential_info": {**A.info, FINGERPRINT: "f" * 64}}
    desired = DesiredState(credentials=(A,))
    plan, report = apply(client, desired)
    assert [c.action for c in plan.changes] == [Action.ADOPT] and report.ok
    info = fake.credentials["prov-a"]["credential_info"]
    assert info[FINGERPRINT] == "f" * 64 and info["llmproxy"]["owner"] == "llmproxy"
    assert plan_of(client, desired).changes == ()


def test_a_credential_info_key_llmproxy_set_and_the_config_dropped_is_removed(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    tagged = Credential("prov-a", A.values, {**A.info, "team": "blue"})
    apply(client, DesiredState(credentials=(tagged,)))
    fake.credentials["prov-a"]["credential_info"][FINGERPRINT] = "f" * 64  # another tool, meanwhile
    plan, report = apply(client, DesiredState(credentials=(A,)))
    assert [f.path for c in plan.changes for f in c.fields] == ["credential_info.team"] and report.ok
    info = fake.credentials["prov-a"]["credential_info"]  # LiteLLM merges: null is how a key goes
    assert info["team"] is None and info[FINGERPRINT] == "f" * 64
    assert plan_of(client, DesiredState(credentials=(A,))).changes == ()  # null reads as absent


def test_a_replacement_deployment_keeps_others_model_info_and_its_creation(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.credentials["prov-a"] = {"credential_name": "prov-a", "credential_values": dict(A.values),
                                  "credential_info": dict(A.info)}
    fake.add_model("by-hand", "m1", {"model": "openai/m1", "litellm_credential_name": "prov-a", "tpm": 5},
                   {"base_model": "m1", "other_tool": {"rev": 3}, "created_at": "2025-01-01T00:00:00.000Z",
                    "created_by": "successor"})
    plan, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert {(c.kind, c.action) for c in plan.changes} == {("credentials", Action.ADOPT), ("models", Action.REPLACE)}
    assert report.ok, report.to_json()
    [(new_id, row)] = fake.models.items()
    assert new_id != "by-hand" and "tpm" not in row["litellm_params"]
    info = row["model_info"]
    assert info["other_tool"] == {"rev": 3}
    assert (info["created_at"], info["created_by"]) == ("2025-01-01T00:00:00.000Z", "successor")
    assert info["updated_by"] == "ci-job-7"


def test_what_a_replacement_carries_over_leaves_out_server_and_llmproxy_fields() -> None:
    old = LiveDeployment("id1", "m1", {"model": "openai/m1"}, {
        "base_model": "m1", "tier": "gold", "other_tool": 1, "key": "openai/m1", "max_tokens": 10,
        "input_cost_per_token": 1e-6, "supports_vision": True, "db_model": True, "id": "id1",
        "created_by": "a", "access_groups": ["G"]}, Marker("llmproxy", info_fields=("tier",)), True)
    kept = carried_model_info(old, dep("m1", "openai/m1", None), CAPABILITIES.server_info_fields)
    # base_model is the config's; tier was llmproxy's (the marker); the rest is LiteLLM's cost map.
    assert kept == {"other_tool": 1, "access_groups": ["G"]}


def test_adopting_a_guardrail_keeps_others_info_and_fields(client: LiteLLMClient, fake: FakeAdmin) -> None:
    params = {"guardrail": "litellm_content_filter", "mode": "pre_call"}
    fake.guardrails["gr-1"] = {"guardrail_name": "g", "litellm_params": {**params, "skip_system": True},
                               "guardrail_info": {"owner_team": "sec"}}
    desired = DesiredState(guardrails=(Guardrail("g", {**params, "default_on": True}),))
    plan, report = apply(client, desired)
    assert [c.action for c in plan.changes] == [Action.ADOPT] and report.ok, report.to_json()
    stored = fake.guardrails["gr-1"]
    assert stored["litellm_params"] == {**params, "default_on": True, "skip_system": True}
    assert stored["guardrail_info"]["owner_team"] == "sec"
    assert stored["guardrail_info"]["llmproxy"]["owner"] == "llmproxy"
    assert plan_of(client, desired).changes == ()
