"""The apply step against an in-memory LiteLLM: order, partial failure, skipped dependents,
replacements, pruning and verify-after-apply."""

from __future__ import annotations

from typing import Any

import httpx

from llmproxy.apply.executor import Applier
from llmproxy.apply.report import FAILED, OK, SKIPPED, ApplyReport
from llmproxy.desired.model import DesiredState, FallbackRule
from llmproxy.litellm.api import CAPABILITIES, LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient, RetryPolicy
from llmproxy.litellm.read import read_live
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan
from tests.unit.apply.fake import BASE, MASTER, FakeAdmin, error
from tests.unit.plan.builders import FP, cred, dep

NO_RETRY = RetryPolicy(attempts=1)



def plan_of(client: LiteLLMClient, desired: DesiredState, **options: Any) -> Plan:
    return build_plan(desired, read_live(client), FP, PlanOptions(**options), capabilities=CAPABILITIES)


def apply(client: LiteLLMClient, desired: DesiredState, **options: Any) -> tuple[Plan, ApplyReport]:
    live = read_live(client)
    plan = build_plan(desired, live, FP, PlanOptions(**options), capabilities=CAPABILITIES)
    return plan, Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP, concurrency=2).run()


def statuses(report: ApplyReport) -> dict[tuple[str, str], str]:
    return {(o.change.kind, o.change.key.split(" ")[0]): o.status for o in report.outcomes}


def details(report: ApplyReport) -> dict[tuple[str, str], str]:
    return {(o.change.kind, o.change.key.split(" ")[0]): o.detail for o in report.outcomes}


A, B = cred("prov-a", key="sk-provider-aaaa"), cred("prov-b", key="sk-provider-bbbb")
M1, M2 = dep("m1", "openai/m1", "prov-a"), dep("m2", "openai/m2", "prov-b")
FULL = DesiredState(credentials=(A, B), deployments=(M1, M2), aliases={"fast": "m1", "slow": "m2"},
                    fallbacks=(FallbackRule("m1", ("m2",)),), router_settings={"num_retries": 4})


def test_a_clean_apply_writes_in_dependency_order_and_converges(client: LiteLLMClient, fake: FakeAdmin) -> None:
    plan, report = apply(client, FULL)
    assert report.ok, report.to_json()
    assert len(plan.changes) == 8  # num_retries always has a value: an update, the rest creates
    assert report.count(Action.CREATE) == 7 and report.count(Action.UPDATE) == 1
    writes = [c for c in fake.calls if not c.startswith("GET ")]
    # ... and last, the sync's witness for the replica check (created: the gateway's first sync)
    assert writes == ["POST /credentials"] * 2 + ["POST /model/new"] * 2 + [
        "POST /config/update", "POST /credentials", "PATCH /credentials/llmproxy-sync", "POST /credentials"]
    assert "llmproxy-sync" in fake.credentials
    assert fake.router["model_group_alias"] == {"fast": "m1", "slow": "m2"}
    assert fake.router["fallbacks"] == [{"m1": ["m2"]}] and fake.router["num_retries"] == 4
    ledger = fake.credentials["llmproxy-state.llmproxy"]["credential_info"]["llmproxy_state"]
    assert ledger["aliases"] == ["fast", "slow"] and ledger["fallbacks"] == ["m1"]
    assert not plan_of(client, FULL).has_changes


def test_a_failed_credential_skips_its_models_and_the_router_entries_using_them(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.fail["POST /credentials"] = [error(500, "database is locked")]  # the first credential only
    _, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,), aliases={"fast": "m1"},
                                           fallbacks=(FallbackRule("m1", ("fast",)),),
                                           router_settings={"num_retries": 4}))
    got = statuses(report)
    assert got[("credentials", "prov-a")] == FAILED
    assert got[("models", "m1")] == SKIPPED
    assert "prov-a" in details(report)[("models", "m1")]
    assert got[("aliases", "fast")] == SKIPPED and got[("fallbacks", "m1")] == SKIPPED
    assert got[("router_settings", "num_retries")] == OK
    assert not report.ok and not report.verify_errors  # the failures were reported, not re-reported
    assert fake.models == {} and fake.router["model_group_alias"] == {} and fake.router["num_retries"] == 4
    ledger = fake.credentials["llmproxy-state.llmproxy"]["credential_info"]["llmproxy_state"]
    assert ledger["aliases"] == [] and ledger["router_settings"] == ["num_retries"]


def test_one_failed_model_does_not_stop_the_others(client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.fail["POST /model/new"] = [error(500, "upstream exploded")]
    _, report = apply(client, DesiredState(credentials=(A, B), deployments=(M1, M2)))
    assert sorted(statuses(report).values()) == [FAILED, OK, OK, OK]
    assert len(fake.models) == 1
    assert "upstream exploded" in " ".join(report.to_json()["outcomes"][i].get("detail", "")
                                           for i in range(len(report.outcomes)))


def test_a_failed_router_write_fails_every_router_change_and_records_nothing(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.add_model("id0", "m0", {"model": "openai/m0"})
    fake.fail["POST /config/update"] = [error(500, "no")]
    _, report = apply(client, DesiredState(aliases={"fast": "m0"}, router_settings={"num_retries": 4}))
    assert set(statuses(report).values()) == {FAILED}
    assert "llmproxy-state.llmproxy" not in fake.credentials


def test_a_replacement_is_created_before_the_old_deployment_is_deleted(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=5),)))
    old_id = next(iter(fake.models))
    fake.calls.clear()
    plan, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert [c.action for c in plan.changes] == [Action.REPLACE]
    assert report.ok, report.to_json()
    writes = [c for c in fake.calls if not c.startswith("GET ")]
    assert writes == ["POST /model/new", "POST /model/delete", "PATCH /credentials/llmproxy-sync"]
    assert old_id not in fake.models and len(fake.models) == 1
    assert "rpm" not in next(iter(fake.models.values()))["litellm_params"]


def test_a_replacement_whose_old_copy_cannot_be_deleted_is_reported_failed_once(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=5),)))
    old_id = next(iter(fake.models))
    fake.fail["POST /model/delete"] = [error(500, "locked")]
    _, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    [outcome] = report.outcomes
    assert outcome.status == FAILED
    assert f"old deployment {old_id} could not be deleted" in outcome.detail
    assert len(fake.models) == 2  # the replacement serves; only the old copy is left


def test_prune_deletes_models_before_credentials_and_keeps_a_credential_still_in_use(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, FULL)
    fake.add_model("outsider", "theirs", {"model": "openai/x", "litellm_credential_name": "prov-b"})
    fake.calls.clear()
    plan, report = apply(client, DesiredState(credentials=(), deployments=(), aliases={}, fallbacks=(),
                                              router_settings={}), prune=True)
    got = statuses(report)
    assert got[("models", "m1")] == got[("models", "m2")] == OK
    assert got[("credentials", "prov-a")] == OK
    assert "prov-b" not in {c.key for c in plan.changes}  # the planner already keeps it: a model uses it
    assert "prov-b" in fake.credentials and "prov-a" not in fake.credentials
    writes = [c for c in fake.calls if not c.startswith("GET ")]
    assert writes.index("POST /config/update") < writes.index("POST /model/delete")
    assert writes.index("POST /model/delete") < writes.index("DELETE /credentials/prov-a")
    assert fake.router["model_group_alias"] == {} and fake.router["num_retries"] == 2  # default restored


def test_a_credential_a_model_started_using_meanwhile_is_not_deleted(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, DesiredState(credentials=(A,)))
    live = read_live(client)
    plan = build_plan(DesiredState(credentials=()), live, FP, PlanOptions(prune=True), capabilities=CAPABILITIES)
    fake.add_model("late", "late", {"model": "openai/x", "litellm_credential_name": "prov-a"})
    report = Applier(LiteLLMApi(client, "llmproxy", FP), DesiredState(credentials=()), live, plan, FP).run()
    assert statuses(report) == {("credentials", "prov-a"): SKIPPED}
    assert "prov-a" in fake.credentials


def test_credential_deletion_is_skipped_when_the_models_cannot_be_read(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    apply(client, DesiredState(credentials=(A,)))
    live = read_live(client)
    plan = build_plan(DesiredState(credentials=()), live, FP, PlanOptions(prune=True), capabilities=CAPABILITIES)
    fake.fail["GET /v2/model/info"] = [error(500, "down")]
    report = Applier(LiteLLMApi(client, "llmproxy", FP), DesiredState(credentials=()), live, plan, FP).run()
    assert statuses(report) == {("credentials", "prov-a"): SKIPPED}
    assert "could not check" in report.outcomes[0].detail


def test_verify_reports_what_litellm_did_not_keep(client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.after_model_write = lambda row: row["litellm_params"].pop("rpm", None)
    _, report = apply(client, DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=5),)))
    assert all(o.status == OK for o in report.outcomes)
    assert not report.ok
    [problem] = report.verify_errors
    assert "models m1" in problem and "litellm_params.rpm" in problem


def test_verify_failure_to_read_back_is_reported(client: LiteLLMClient, fake: FakeAdmin) -> None:
    live = read_live(client)
    desired = DesiredState(credentials=(A,))
    plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
    fake.fail["GET /credentials"] = [error(500, "gone")] * 3
    report = Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP).run()
    assert any("could not read LiteLLM back" in e for e in report.verify_errors)


def test_an_update_patches_in_place_and_an_adoption_stamps_the_marker(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.credentials["prov-a"] = {"credential_name": "prov-a", "credential_values": {"api_key": "sk-old-key-1"},
                                  "credential_info": {}}
    apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert fake.credentials["prov-a"]["credential_info"]["llmproxy"]["owner"] == "llmproxy"
    fake.calls.clear()
    plan, report = apply(client, DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=9),)))
    assert [c.action for c in plan.changes] == [Action.UPDATE] and report.ok
    assert [c for c in fake.calls if not c.startswith("GET ")] == [f"PATCH /model/{next(iter(fake.models))}/update",
                                                                  "PATCH /credentials/llmproxy-sync"]


def test_a_lost_create_response_is_recovered_by_looking_the_object_up(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    # The first create lands but its answer is lost; the retry meets "already exists".
    apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    fake.models.clear()
    fake.credentials.clear()
    real_create = fake.create_model

    def landed_then_timeout(body: dict[str, Any]) -> httpx.Response:
        real_create(body)
        return error(400, f"Model with id={body['model_info']['id']} already exists")
    fake.create_model = landed_then_timeout  # type: ignore[method-assign]
    _, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert report.ok, report.to_json()


def test_litellm_going_away_stops_the_apply_with_one_line_saying_what_was_applied(fake: FakeAdmin) -> None:
    models = tuple(dep(f"m{i}", credential="prov-a") for i in range(8))
    printed: list[str] = []
    with LiteLLMClient(BASE, MASTER, sleep=lambda _: None, retry=RetryPolicy(attempts=2, breaker=3)) as c:
        live = read_live(c)
        for endpoint in ("POST /model/new", "GET /v2/model/info"):  # LiteLLM is gone after the credential
            fake.fail[endpoint] = [httpx.ConnectError("Connection refused")] * 20
        desired = DesiredState(credentials=(A,), deployments=models, aliases={"fast": "m1"})
        plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
        report = Applier(LiteLLMApi(c, "llmproxy", FP), desired, live, plan, FP, concurrency=1,
                         on_outcome=lambda o: printed.append(o.change.key)).run()
    # two creates and their look-ups could not connect (2 tries each), then nothing more was sent;
    # the alias to m1 is skipped (m1 failed)
    assert fake.calls.count("POST /model/new") == 4
    assert "Applied 1 of 10 changes; 3 failed or skipped; 6 not attempted" in report.stopped
    assert not report.ok and not report.verify_errors
    assert len(printed) == 4  # the credential, two failures, the skipped alias; the rest: the stop line
    assert "llmproxy-state.llmproxy" not in fake.credentials  # no ledger write after the stop


# -- the ledger claims only what this owner wrote, and repairs itself ------------------------------

def test_a_lost_ledger_write_is_repaired_and_a_hand_made_alias_under_the_stale_name_survives_prune(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.add_model("id0", "m0", {"model": "openai/m0"})
    assert apply(client, DesiredState(aliases={"old": "m0"}))[1].ok
    fake.fail["PATCH /credentials/llmproxy-state.llmproxy"] = [error(500, "lost")]
    _, report = apply(client, DesiredState(aliases={}), prune=True)
    assert "old" not in fake.router["model_group_alias"]
    assert any("could not record" in e for e in report.verify_errors)
    # the retry is not "nothing to do": the ledger still claims "old", which is gone
    plan = plan_of(client, DesiredState(aliases={}))
    assert plan.has_changes and not plan.changes
    assert any("'old'" in r and "absent" in r for r in plan.ledger_repairs)
    assert apply(client, DesiredState(aliases={}))[1].ok
    ledger = fake.credentials["llmproxy-state.llmproxy"]["credential_info"]["llmproxy_state"]
    assert ledger["aliases"] == [] and not plan_of(client, DesiredState(aliases={})).has_changes
    # someone makes an alias by hand under that name: prune leaves it alone
    fake.router["model_group_alias"]["old"] = "m0"
    plan, report = apply(client, DesiredState(aliases={}), prune=True)
    assert not plan.changes and fake.router["model_group_alias"] == {"old": "m0"}


def test_prune_never_deletes_an_entry_whose_value_changed_since_this_owner_wrote_it(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.add_model("id0", "m0", {"model": "openai/m0"})
    fake.add_model("id1", "m1", {"model": "openai/m1"})
    assert apply(client, DesiredState(aliases={"a": "m0", "b": "m0"}))[1].ok
    fake.fail["POST /credentials"] = []
    fake.router["model_group_alias"]["a"] = "m1"  # changed by hand (or a stale claim reused)
    plan, report = apply(client, DesiredState(aliases={}), prune=True)
    assert [c.key for c in plan.changes] == ["b"] and report.ok
    assert fake.router["model_group_alias"] == {"a": "m1"}
    assert any("'a' was changed since" in r for r in plan.ledger_repairs)
    ledger = fake.credentials["llmproxy-state.llmproxy"]["credential_info"]["llmproxy_state"]
    assert ledger["aliases"] == [] and ledger["digests"] == {}


def test_the_ledger_records_the_value_written(client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.add_model("id0", "m0", {"model": "openai/m0"})
    assert apply(client, DesiredState(aliases={"a": "m0"}, fallbacks=(FallbackRule("m0", ("a",)),)))[1].ok
    ledger = fake.credentials["llmproxy-state.llmproxy"]["credential_info"]["llmproxy_state"]
    assert set(ledger["digests"]) == {"aliases", "fallbacks"} and set(ledger["digests"]["aliases"]) == {"a"}


def test_an_interrupted_replace_is_finished_by_the_next_sync_without_prune(client: LiteLLMClient,
                                                                           fake: FakeAdmin) -> None:
    with_rpm = dep("m1", "openai/m1", "prov-a", rpm=10)
    assert apply(client, DesiredState(credentials=(A,), deployments=(with_rpm,)))[1].ok
    fake.fail["POST /model/delete"] = [error(500, "the run died here")]  # the old copy stays
    plan, report = apply(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert [c.action for c in plan.changes] == [Action.REPLACE] and not report.ok
    assert len(fake.models) == 2
    plan = plan_of(client, DesiredState(credentials=(A,), deployments=(M1,)))
    assert [c.action for c in plan.changes] == [Action.DELETE] and not plan.pending_prune
    assert "interrupted replace" in plan.changes[0].reason
    assert apply(client, DesiredState(credentials=(A,), deployments=(M1,)))[1].ok
    assert len(fake.models) == 1
    assert "rpm" not in next(iter(fake.models.values()))["litellm_params"]
    assert not plan_of(client, DesiredState(credentials=(A,), deployments=(M1,))).has_changes


def test_verify_waits_for_a_change_to_show_before_it_counts_as_a_mismatch(client: LiteLLMClient,
                                                                           fake: FakeAdmin) -> None:
    """A replica that has not reloaded yet: the first read-back is stale, a later one is not."""
    fake.after_model_write = lambda row: row["litellm_params"].pop("rpm", None)
    desired = DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=5),))
    live = read_live(client)
    plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
    lines: list[str] = []

    def reloaded(_seconds: float) -> None:  # the replica catches up while verify waits
        for row in fake.models.values():
            row["litellm_params"]["rpm"] = 5

    report = Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP, settle=30, notify=lines.append,
                     sleep=reloaded).run()
    assert report.ok, report.verify_errors
    assert len(lines) == 1 and "not visible yet; waiting up to 30 s" in lines[0]


def test_verify_gives_up_after_the_settle_deadline(client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.after_model_write = lambda row: row["litellm_params"].pop("rpm", None)
    desired = DesiredState(credentials=(A,), deployments=(dep("m1", "openai/m1", "prov-a", rpm=5),))
    live = read_live(client)
    plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
    lines: list[str] = []
    report = Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP, settle=0.2, poll=0.05,
                     notify=lines.append).run()
    [problem] = report.verify_errors
    assert "litellm_params.rpm" in problem and "still, after waiting" in problem
    assert 1 <= len(lines) <= 6


def test_the_router_write_applies_our_delta_onto_a_fresh_read_not_the_plans_snapshot(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.add_model("id0", "m0", {"model": "openai/m0"})
    desired = DesiredState(aliases={"ours": "m0"}, fallbacks=(FallbackRule("m0", ("ours",)),))
    live = read_live(client)
    plan = build_plan(desired, live, FP, PlanOptions(), capabilities=CAPABILITIES)
    # another writer adds entries between our plan and our write
    fake.router["model_group_alias"]["theirs"] = "m0"
    fake.router["fallbacks"] = [{"theirs": ["m0"]}]
    report = Applier(LiteLLMApi(client, "llmproxy", FP), desired, live, plan, FP).run()
    assert report.ok, report.verify_errors
    assert fake.router["model_group_alias"] == {"theirs": "m0", "ours": "m0"}
    assert fake.router["fallbacks"] == [{"theirs": ["m0"]}, {"m0": ["ours"]}]
