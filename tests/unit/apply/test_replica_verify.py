"""Sync is done only when every replica shows it (else it says it is still propagating); plan says
when the replicas disagree. Against the in-memory LiteLLM, a stale replica simulated by the
witness read answering 404 (it has not reloaded the credential yet)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from rich.console import Console

from llmproxy.apply.report import Outcome
from llmproxy.cli.progress import render_report
from llmproxy.desired.model import DesiredState
from llmproxy.litellm.api import LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.read import read_live
from llmproxy.litellm.replicas import STAMP_NAME
from llmproxy.manager import Manager, SyncHooks
from llmproxy.plan.builder import PlanOptions
from llmproxy.plan.model import Plan
from tests.unit.apply.fake import FakeAdmin, error
from tests.unit.plan.builders import FP, cred, dep

WITNESS = f"GET /credentials/by_name/{STAMP_NAME}"
DESIRED = DesiredState(credentials=(cred("prov-a"),), deployments=(dep("m1", "openai/m1", "prov-a"),),
                       aliases={"fast": "m1"})


def manager(client: LiteLLMClient, desired: DesiredState = DESIRED) -> Manager:
    # settle 0: one round of reads, no waiting
    return Manager(desired, LiteLLMApi(client, desired.owner, FP), FP, settle=0)


def stale_reads(n: int) -> list[httpx.Response | Exception]:
    return [error(404, "Credential not found. Got credential name: llmproxy-sync")] * n


def test_a_sync_not_yet_on_every_replica_says_it_is_still_propagating(client: LiteLLMClient,
                                                                       fake: FakeAdmin) -> None:
    @contextmanager
    def applying(_plan: Plan) -> Iterator[Callable[[Outcome], None]]:
        fake.fail[WITNESS] = stale_reads(2)  # 2 of the 4 reads reach a replica that has not reloaded
        yield lambda _outcome: None

    result = manager(client).sync(PlanOptions(), hooks=SyncHooks(applying=applying))
    assert result.report is not None and not result.report.ok
    [error_line] = result.report.verify_errors
    assert error_line.startswith("still propagating: applied, but only 2/4 reads of LiteLLM show this sync")
    assert all(o.status == "ok" for o in result.report.outcomes)  # every write landed


def test_a_sync_on_every_replica_is_done(client: LiteLLMClient, fake: FakeAdmin) -> None:
    result = manager(client).sync(PlanOptions())
    assert result.report is not None and result.report.ok
    assert fake.calls.count(WITNESS) == 4 + 4 + 4  # plan, plan under the lease, verify
    assert STAMP_NAME in fake.credentials
    assert STAMP_NAME not in read_live(client).credentials  # not a provider credential


def test_a_sync_with_nothing_to_do_writes_no_witness(client: LiteLLMClient, fake: FakeAdmin) -> None:
    manager(client).sync(PlanOptions())
    fake.calls.clear()
    result = manager(client).sync(PlanOptions())
    assert result.report is None
    assert [c for c in fake.calls if not c.startswith("GET ")] == []


def test_plan_says_when_the_replicas_disagree(client: LiteLLMClient, fake: FakeAdmin) -> None:
    manager(client).sync(PlanOptions())
    fake.fail[WITNESS] = stale_reads(1)
    _, plan = manager(client).plan(PlanOptions())
    notes = [f for f in plan.findings if f.code == "replicas_disagree"]
    assert len(notes) == 1 and "3/4 reads agree" in notes[0].message
    assert not plan.has_changes

    _, plan = manager(client).plan(PlanOptions())  # they agree now
    assert not [f for f in plan.findings if f.code == "replicas_disagree"]


def server_errors(n: int) -> list[httpx.Response | Exception]:
    return [error(500, "Internal Server Error")] * n


def test_a_sync_whose_witness_cannot_be_read_succeeds_with_a_warning(client: LiteLLMClient,
                                                                     fake: FakeAdmin) -> None:
    @contextmanager
    def applying(_plan: Plan) -> Iterator[Callable[[Outcome], None]]:
        fake.fail[WITNESS] = server_errors(4)  # written, but every read of it answers 500
        yield lambda _outcome: None

    result = manager(client).sync(PlanOptions(), hooks=SyncHooks(applying=applying))
    report = result.report
    assert report is not None and report.ok and not report.verify_errors  # exit 0
    [warning] = report.warnings
    assert warning.startswith("cannot check the replicas: LiteLLM answered all 4 reads")
    assert "HTTP 500" in warning and "the writes landed" in warning
    assert all(o.status == "ok" for o in report.outcomes)
    console = Console(record=True, width=300)
    render_report(report, console)
    text = console.export_text()
    assert "warning: cannot check the replicas" in text and "1 warning(s) above." in text
    assert report.to_json()["warnings"] == [warning]


def test_a_witness_that_cannot_be_written_fails_the_sync(client: LiteLLMClient, fake: FakeAdmin) -> None:
    @contextmanager
    def applying(_plan: Plan) -> Iterator[Callable[[Outcome], None]]:
        fake.fail[f"PATCH /credentials/{STAMP_NAME}"] = [error(400, "bad request")]
        yield lambda _outcome: None

    result = manager(client).sync(PlanOptions(), hooks=SyncHooks(applying=applying))
    assert result.report is not None and not result.report.ok  # exit 1: a write of this sync failed
    [error_line] = result.report.verify_errors
    assert error_line.startswith("cannot check the replicas: writing llmproxy's sync witness failed:")


def test_plan_says_when_the_replicas_cannot_be_checked(client: LiteLLMClient, fake: FakeAdmin) -> None:
    manager(client).sync(PlanOptions())
    fake.fail[WITNESS] = server_errors(4)
    _, plan = manager(client).plan(PlanOptions())
    [note] = [f for f in plan.findings if f.code.startswith("replicas_")]
    assert note.code == "replicas_unchecked" and note.message.startswith("cannot check the replicas:")
    assert "not drift" in note.message and not plan.has_changes

    fake.calls.clear()  # a sync: the plan under the lease does not wait for the witness a second time
    fake.fail[WITNESS] = server_errors(8)
    result = manager(client, DesiredState(credentials=(cred("prov-a"), cred("prov-b")))).sync(PlanOptions())
    assert fake.calls.count(WITNESS) == 4 + 4  # the first plan, then verify (the witness written anew)
    assert result.report is not None and result.report.ok and len(result.report.warnings) == 1
    assert [f.code for f in result.plan.findings if f.code.startswith("replicas_")] == ["replicas_unchecked"]
