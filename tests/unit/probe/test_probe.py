"""The probe: the request it sends, how LiteLLM's answers are classified, what it probes, and that
no secret reaches its output (respx and synthetic plans; the e2e tests use the real LiteLLM)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx
from rich.console import Console

from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.dataplane import first_paragraph, one_token_chat
from llmproxy.plan import PlanOptions, build_plan
from llmproxy.probe import ProbeReport, changed_names, managed_names, render_probe_text, run_probe
from llmproxy.redaction import redactor
from tests.unit.plan.builders import FP, cred, dep, desired, live_cred_of, live_dep_of, live_state

BASE = "http://litellm.test"
MASTER = "sk-probe-master-0123456789"
PROVIDER_SECRET = "sk-provider-secret-77aa88bb"


@pytest.fixture()
def mock() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


@pytest.fixture()
def client(mock: respx.MockRouter) -> Iterator[LiteLLMClient]:
    with LiteLLMClient(BASE, MASTER, transport=httpx.MockTransport(mock.handler), sleep=lambda s: None) as c:
        yield c


def litellm_error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "x", "param": None,
                                                  "code": str(status)}})


def test_the_probe_is_one_token_without_fallbacks_or_retries(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.post("/chat/completions").mock(return_value=httpx.Response(
        200, json={"choices": []}, headers={"x-litellm-model-id": "dep-1"}))
    answer = one_token_chat(client, "openai/m1", timeout=7)
    body = json.loads(route.calls.last.request.content)
    assert body == {"model": "openai/m1", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1,
                    "disable_fallbacks": True, "num_retries": 0, "timeout": 7}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {MASTER}"
    assert (answer.status, answer.deployment, answer.reason) == (200, "dep-1", "")


@pytest.mark.parametrize(("status", "message", "outcome"), [
    (401, "litellm.AuthenticationError: OpenAIException - invalid api key", "HTTP 401"),
    (404, ("litellm.NotFoundError: OpenAIException - model not found\n\nLiteLLM: model group 'x' failed "
          "with the error above and no fallback model group was found"), "HTTP 404"),
    (429, "litellm.RateLimitError: upstream busy", "HTTP 429"),
    (429, "No deployments available for selected model, Try again in 60 seconds. cooldown_list=[...]",
     "cooldown"),
    (408, "litellm.Timeout: APITimeoutError - Request timed out", "timeout"),
    (400, "Invalid model name passed in model=nope", "HTTP 400"),
])
def test_each_failure_is_reported_with_litellms_status_and_reason_once(
        client: LiteLLMClient, mock: respx.MockRouter, status: int, message: str, outcome: str) -> None:
    route = mock.post("/chat/completions").mock(return_value=litellm_error(status, message))
    report = run_probe(client, ["g"])
    [result] = report.results
    assert (result.status, result.outcome, result.http_status) == ("fail", outcome, status)
    assert result.reason == message.split("\n\n")[0]
    assert route.call_count == 1  # never retried, not even a 429
    assert not report.ok


def test_no_answer_in_time_is_a_timeout(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))
    [result] = run_probe(client, ["g"], timeout=2).results
    assert (result.outcome, result.http_status, result.status) == ("timeout", None, "fail")
    assert "7 s" in result.reason  # LiteLLM's own timeout plus the grace


def test_unreachable_gateway(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    [result] = run_probe(client, ["g"]).results
    assert result.outcome == "unreachable" and BASE in result.reason


def test_secrets_echoed_by_litellm_never_reach_the_output(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    redactor.add(PROVIDER_SECRET)
    mock.post("/chat/completions").mock(return_value=litellm_error(
        401, f"Incorrect API key provided: {PROVIDER_SECRET}; proxy key {MASTER} sk-...{MASTER[-4:]}"))
    report = run_probe(client, ["g"])
    console = Console(record=True, width=200)
    render_probe_text(report, console)
    text = console.export_text() + json.dumps(report.to_json())
    assert PROVIDER_SECRET not in text and MASTER not in text and f"sk-...{MASTER[-4:]}" not in text
    assert "(sensitive)" in text


def test_patterns_are_skipped_not_sent(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.post("/chat/completions").mock(return_value=httpx.Response(200, json={}))
    report = run_probe(client, ["claude-opus-*", "a", "a"])
    assert [(r.name, r.status) for r in report.results] == [("claude-opus-*", "skipped"), ("a", "ok")]
    assert route.call_count == 1 and report.ok
    assert report.summary_line() == "Probed 1 name(s): 1 ok, 0 failed, 1 skipped."


def test_results_keep_the_order_asked(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/chat/completions").mock(return_value=httpx.Response(200, json={}))
    names = [f"g{i}" for i in range(10)]
    assert [r.name for r in run_probe(client, names).results] == names


def test_first_paragraph_drops_advice_and_stack_trace() -> None:
    assert first_paragraph("boom\nstack trace: Traceback ...") == "boom"
    assert first_paragraph("a\n b\n\nLiteLLM: advice") == "a b"
    assert len(first_paragraph("x" * 1000)) == 300


# -- what is probed ---------------------------------------------------------------------------------

def test_managed_names_are_groups_then_aliases_once() -> None:
    d = desired(deployments=[dep("a", "openai/a"), dep("b", "openai/b"), dep("a", "anthropic/a")],
                aliases={"fast": "a", "team-*": "b"})
    assert managed_names(d) == ["a", "b", "fast", "team-*"]
    assert managed_names(desired()) == []


def test_changed_names_after_a_sync_plan() -> None:
    c1, c2 = cred("p1"), cred("p2")
    a, b, other = dep("a", "openai/a", "p1"), dep("b", "openai/b", "p2"), dep("c", "openai/c", "p2")
    before = desired(credentials=[c1, c2], deployments=[a, b, other], aliases={"fast": "a"})
    live = live_state([live_cred_of(c1), live_cred_of(c2)], [live_dep_of(a), live_dep_of(b), live_dep_of(other)],
                      aliases={"fast": "a"})
    unchanged = build_plan(before, live, FP, PlanOptions())
    assert changed_names(unchanged, before) == []
    # p2's key changes (b and c use it), a new group d, a new alias; c is deleted from the config
    new_d = dep("d", "openai/d", "p1")
    after = desired(credentials=[c1, cred("p2", key="sk-rotated-key-2")], deployments=[a, b, new_d],
                    aliases={"fast": "a", "smart": "d"})
    plan = build_plan(after, live, FP, PlanOptions(prune=True))
    assert changed_names(plan, after) == ["b", "d", "smart"]


def test_an_empty_report() -> None:
    assert ProbeReport().summary_line() == "Probe: nothing to probe." and ProbeReport().ok
