"""``--probe`` against the real LiteLLM and the stand-in upstream: a real 1-token request per model
group, LiteLLM's status and reason per group, non-zero exit on failure, no secret in the output."""

from __future__ import annotations

import json
import uuid

from tests.e2e.dataplane import SECRETS, UPSTREAM_KEY, DataPlane, config, provider

WRONG_KEY = "sk-wrong-provider-key-DO-NOT-LEAK-5e6f"


def two_providers(dp: DataPlane, *, wrong_key: bool = False) -> dict[str, object]:
    return config({
        "good": provider(dp.upstream, {"g1": {}, "g2": {}}),
        "other": provider(dp.upstream, {"o1": {}}, interfaces=("anthropic",),
                          api_key=WRONG_KEY if wrong_key else "${E2E_UPSTREAM_KEY}"),
    }, aliases={"fast": "openai/g1"})


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (*SECRETS, WRONG_KEY):
            assert secret not in text
        assert "DO-NOT-LEAK" not in text


def test_status_probe_names_the_group_and_the_upstream_401(dataplane: DataPlane) -> None:
    dataplane.sync(two_providers(dataplane, wrong_key=True))
    proc = dataplane.llmproxy(["status", "--probe"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = {line.split()[1]: line for line in proc.stdout.splitlines() if (line.strip()[:1] in "✓✗"
             and len(line.split()) > 1 and "/" in line.split()[1]) or line.strip().startswith(("✓ fast", "✗ fast"))}
    assert "HTTP 401" in lines["anthropic/o1"] and "invalid api key" in lines["anthropic/o1"]
    assert "OK" in lines["openai/g1"] and "OK" in lines["openai/g2"] and "OK" in lines["fast"]
    assert "data plane" in proc.stdout and "anthropic/o1 (HTTP 401" in proc.stdout
    # each name cost exactly one upstream request of one token
    calls = [c for c in dataplane.upstream.calls if c.model]
    assert sorted((c.model, c.status) for c in calls) == [("g1", 200), ("g1", 200), ("g2", 200), ("o1", 401)]
    assert all(c.body["max_tokens"] == 1 for c in calls)
    assert_no_secret(proc.stdout, proc.stderr)


def test_status_probe_json_and_healthy_exit(dataplane: DataPlane) -> None:
    dataplane.sync(two_providers(dataplane))
    proc = dataplane.llmproxy(["status", "--probe", "--output", "json"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    body = json.loads(proc.stdout)
    results = {r["name"]: r for r in body["probe"]["results"]}
    assert set(results) == {"openai/g1", "openai/g2", "anthropic/o1", "fast"}
    assert all(r["status"] == "ok" and r["http_status"] == 200 and r["latency_ms"] >= 0 for r in results.values())
    assert results["fast"]["deployment"] == results["openai/g1"]["deployment"]
    assert "costs tokens" in body["probe"]["note"]


def test_sync_probe_probes_only_what_it_created_or_changed(dataplane: DataPlane) -> None:
    cfg = two_providers(dataplane)
    proc = dataplane.sync(cfg, "--probe")
    assert "Probed 4 name(s): 4 ok, 0 failed." in proc.stdout
    dataplane.upstream.reset()
    cfg["providers"]["good"]["models"]["g3"] = {}  # type: ignore[index]
    proc = dataplane.sync(cfg, "--probe")
    assert "Probed 1 name(s): 1 ok, 0 failed." in proc.stdout
    assert [c.model for c in dataplane.upstream.calls if c.model] == ["g3"]
    proc = dataplane.sync(cfg, "--probe")
    assert "nothing created or changed, nothing probed" in proc.stderr + proc.stdout
    assert [c.model for c in dataplane.upstream.calls if c.model] == ["g3"]


def test_sync_probe_fails_when_a_changed_credential_breaks_its_groups(dataplane: DataPlane) -> None:
    dataplane.sync(two_providers(dataplane))
    dataplane.write(two_providers(dataplane, wrong_key=True))
    proc = dataplane.llmproxy(["sync", "--yes", "--probe", "--output", "json"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    body = json.loads(proc.stdout)
    assert body["applied"]["ok"]
    [result] = body["probe"]["results"]
    assert (result["name"], result["outcome"], result["http_status"]) == ("anthropic/o1", "HTTP 401", 401)
    assert "probe failed for 1 name(s): anthropic/o1 (HTTP 401" in proc.stderr
    assert_no_secret(proc.stdout, proc.stderr)


def test_probe_command_reports_429_404_and_timeout_per_name(dataplane: DataPlane) -> None:
    dataplane.sync(config({"up": provider(dataplane.upstream, {"ok1": {}, "busy": {}, "gone": {}, "sleepy": {}})}))
    dataplane.upstream.fail("busy", 429)
    dataplane.upstream.fail("gone", 404)
    dataplane.upstream.slow("sleepy", 30)
    proc = dataplane.llmproxy(["probe", "openai/ok1", "openai/busy", "openai/gone", "openai/sleepy", "nope",
                               "--probe-timeout", "2", "--output", "json"])
    assert proc.returncode == 1, proc.stderr
    results = {r["name"]: r for r in json.loads(proc.stdout)["results"]}
    assert {n: (r["outcome"], r["http_status"]) for n, r in results.items()} == {
        "openai/ok1": ("OK", 200), "openai/busy": ("HTTP 429", 429), "openai/gone": ("HTTP 404", 404),
        "openai/sleepy": ("timeout", 408), "nope": ("HTTP 400", 400)}
    assert "fails this model on purpose" in results["openai/busy"]["reason"]
    assert "nope" in results["nope"]["reason"]
    # no retries, no fallbacks: one upstream call per probed name
    assert sorted(c.model for c in dataplane.upstream.calls if c.model) == ["busy", "gone", "ok1", "sleepy"]


def test_probe_without_names_probes_the_config_and_prints_no_secret(dataplane: DataPlane) -> None:
    dataplane.sync(two_providers(dataplane))
    proc = dataplane.llmproxy(["probe"])
    assert proc.returncode == 0, proc.stderr
    assert "Probed 4 name(s): 4 ok, 0 failed." in proc.stdout and "costs tokens" in proc.stdout
    assert UPSTREAM_KEY not in proc.stdout
    assert_no_secret(proc.stdout, proc.stderr)


def test_a_group_in_cooldown_is_reported_as_such(dataplane: DataPlane) -> None:
    """LiteLLM cools a deployment down after upstream failures; clients then get 429 without the
    upstream being asked. The probe says so instead of blaming the upstream."""
    model = f"cool-{uuid.uuid4().hex[:8]}"  # a deployment id of its own: cooldowns outlive the test
    dataplane.sync(config({"up": provider(dataplane.upstream, {model: {}})},
                          router_settings={"cooldown_time": 120, "allowed_fails": 0}))
    dataplane.upstream.fail(model, 500)
    first = json.loads(dataplane.llmproxy(["probe", f"openai/{model}", "--output", "json"]).stdout)["results"][0]
    assert (first["outcome"], first["http_status"]) == ("HTTP 500", 500)
    dataplane.upstream.heal(model)
    proc = dataplane.llmproxy(["probe", f"openai/{model}", "--output", "json"])
    second = json.loads(proc.stdout)["results"][0]
    assert proc.returncode == 1
    assert (second["outcome"], second["http_status"]) == ("cooldown", 429)
    assert "cooldown" in second["reason"]
    assert [c.status for c in dataplane.upstream.calls_for(model)] == [500]  # the second never left LiteLLM
