"""Resilience against a flaky LiteLLM: a fault-injecting proxy on loopback in front of the real one
(503s, 429s with Retry-After, connection resets before and after the upstream applied a write)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.e2e.cli import live_models, llmproxy, sync_json, write_config
from tests.e2e.configs import ENV, base_config
from tests.e2e.harness import Harness
from tests.faultproxy import Fault, FaultProxy, FaultRates

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = {"ANTIGRAVITY_MANAGER_API_KEY": "sk-example-antigravity-key-0000"}


def _identities(h: Harness) -> Counter[tuple[str, str, str]]:
    return Counter((m["model_name"], m["litellm_params"]["model"],
                    str(m["litellm_params"].get("litellm_credential_name")))
                   for m in live_models(h) if m["model_info"].get("db_model"))


def _rerun_converges(h: Harness, cwd: Path) -> None:
    """A clean re-run succeeds, leaves every desired deployment exactly once, and plans clean."""
    rc, _, err = sync_json(h, ["--yes"], cwd, env=ENV)
    assert rc == 0, err
    identities = _identities(h)
    assert len(identities) == 4 and all(n == 1 for n in identities.values())  # 3 models + team-*
    assert llmproxy(h, ["plan", "--detailed-exitcode"], cwd=cwd, env=ENV).returncode == 0


def _example_config(tmp_path: Path) -> Path:
    shutil.copy(REPO / "config.json", tmp_path / "config.json")
    shutil.copy(REPO / "config.schema.json", tmp_path / "config.schema.json")
    shutil.copy(REPO / "config.local.example.json", tmp_path / "config.local.json")
    return tmp_path


def test_example_config_converges_under_20_percent_faults(litellm: Harness, tmp_path: Path) -> None:
    cwd = _example_config(tmp_path)
    rates = FaultRates(error_503=0.07, error_429=0.05, retry_after=1, reset=0.04, reset_after=0.04)
    codes = []
    with FaultProxy(litellm.url, rates, seed=20) as fp:
        for _ in range(2):  # converges, possibly over two runs
            proc = llmproxy(litellm, ["sync", "--yes"], cwd=cwd, env=EXAMPLE_ENV, url=fp.url)
            codes.append(proc.returncode)
            assert "Traceback" not in proc.stderr
            if proc.returncode == 0:
                break
        assert sum(fp.injected.values()) > 0, "the proxy injected no fault: the test proves nothing"
        assert not fp.errors
    assert codes[-1] == 0, codes
    # Nothing lost, nothing duplicated: every desired deployment exists exactly once.
    plan = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=cwd, env=EXAMPLE_ENV)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    rendered = json.loads(llmproxy(litellm, ["render"], cwd=cwd, env=EXAMPLE_ENV).stdout)
    want = Counter((m["model_name"], m["litellm_params"]["model"], m["litellm_params"]["litellm_credential_name"])
                   for m in rendered["models"])
    assert _identities(litellm) == want


def test_failing_writes_are_reported_per_object_then_a_clean_run_converges(
        litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    # Every create of a deployment fails; credential writes are reset after LiteLLM applied them
    # (the response is lost): those are retried safely and must not duplicate anything.
    always = {r"^POST /model/new$": Fault.ERROR_503}
    with FaultProxy(litellm.url, always_fail=always, fail_nth={1: Fault.RESET_AFTER},
                    only_writes=True) as fp:
        rc, body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV, url=fp.url)
    assert rc == 1
    outcomes = {(o["kind"], o["key"]): o for o in body["applied"]["outcomes"]}
    failed = [o for o in outcomes.values() if o["status"] == "failed"]
    assert {o["kind"] for o in failed} == {"models"} and len(failed) == 4  # with the team-* pattern
    assert all("HTTP 503" in o["detail"] for o in failed)
    # Credentials made it (one of them despite the lost response); routing to missing models was skipped.
    assert [o["status"] for (k, _), o in outcomes.items() if k == "credentials"] == ["ok", "ok"]
    skipped = {key for (kind, key), o in outcomes.items() if o["status"] == "skipped"}
    assert {"fast", "smart"} <= skipped
    assert "Failed:" in err or "failed" in err
    # After the cause is fixed, a plain re-run converges with nothing lost or duplicated.
    _rerun_converges(litellm, tmp_path)


def test_crash_mid_apply_then_rerun_converges(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    env = {**ENV, "LITELLM_API_KEY": litellm.master_key, "CI": "true"}
    # Slow writes down so the process is surely killed in the middle of applying.
    with FaultProxy(litellm.url, FaultRates(latency=0.5), only_writes=True) as fp:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
        full_env.update(env, LITELLM_BASE_URL=fp.url)
        proc = subprocess.Popen([sys.executable, "-m", "llmproxy", "sync", "--yes", "--concurrency", "1"],
                                cwd=tmp_path, env=full_env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        # Kill once the first deployment exists (writes are slowed down, one at a time).
        deadline = time.monotonic() + 120
        while not _identities(litellm):
            assert proc.poll() is None and time.monotonic() < deadline, "sync wrote no deployment"
            time.sleep(0.1)  # polling the gateway's state
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert 0 < len(_identities(litellm)) < 4  # killed mid-apply: a partial state
    # The killed sync still holds the gateway's lease: a new sync refuses at once, naming it ...
    held = llmproxy(litellm, ["sync", "--yes", "--lock-wait", "0"], cwd=tmp_path, env=ENV)
    assert held.returncode == 1 and "the lease is held by owner 'llmproxy'" in held.stderr, held.stderr
    assert "llmproxy unlock" in held.stderr
    # ... until the operator releases it as the message says (or it expires): `unlock` names the
    # holder and its age, needs --yes in a script, then a re-run converges.
    refused = llmproxy(litellm, ["unlock"], cwd=tmp_path)
    assert refused.returncode == 1 and "needs --yes" in refused.stderr, refused.stderr
    assert "held by owner 'llmproxy'" in refused.stdout and "held for" in refused.stdout, refused.stdout
    unlocked = llmproxy(litellm, ["unlock", "--yes"], cwd=tmp_path)
    assert unlocked.returncode == 0 and "Released the lease of owner 'llmproxy'" in unlocked.stdout, unlocked
    _rerun_converges(litellm, tmp_path)


def test_replace_creates_before_it_deletes_and_writes_are_counted(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    cfg = base_config()
    del cfg["providers"]["upstream"]["models"]["gpt-b"]["litellm_params"]["rpm"]
    write_config(tmp_path, cfg)
    with FaultProxy(litellm.url) as fp:
        rc, _body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV, url=fp.url)
        writes = [e.endpoint for e in fp.exchanges if e.method != "GET"]
    assert rc == 0, err
    # Under the gateway's lease, exactly one create then one delete; the model group always had a
    # deployment. Last, the witness replicas are checked for (litellm.replicas).
    assert writes == ["POST /credentials", "POST /model/new", "POST /model/delete",
                      "PATCH /credentials/llmproxy-sync", "DELETE /credentials/llmproxy-lock"]
    with FaultProxy(litellm.url) as fp:  # and a second sync writes nothing at all
        rc, _body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV, url=fp.url)
        assert rc == 0 and [e for e in fp.exchanges if e.method != "GET"] == []


def test_a_witness_that_always_answers_500_is_reported_not_waited_for(litellm: Harness, tmp_path: Path) -> None:
    """The real LiteLLM behind a proxy that answers every read of the sync witness with a 500:
    plan, sync and status say they cannot check the replicas (after a few reads, not 90 s of
    them); the sync's writes all landed, so it exits 0 with a warning (litellm.replicas)."""
    write_config(tmp_path, base_config())
    witness = r"^GET /credentials/by_name/llmproxy-sync$"
    # One wait gives up after at most 3 samples of 4 reads, each tried 5 times by the client.
    most = 3 * 4 * 5
    with FaultProxy(litellm.url, always_fail={witness: Fault.ERROR_500}) as fp:
        def reads() -> int:
            return sum(1 for e in fp.exchanges if e.endpoint == "GET /credentials/by_name/llmproxy-sync")

        rc, body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV, url=fp.url)
        assert rc == 0, err
        [warning] = body["applied"]["warnings"]
        assert warning.startswith("cannot check the replicas: LiteLLM answered all ") and "HTTP 500" in warning
        assert "Traceback" not in err and litellm.master_key not in err + json.dumps(body)
        assert 0 < reads() <= 2 * most  # the plan, then verify; the plan under the lease does not wait again
        synced = reads()

        plan = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV, url=fp.url)
        assert plan.returncode == 0, plan.stdout + plan.stderr  # in sync: only the check is missing
        assert "cannot check the replicas" in plan.stdout + plan.stderr
        assert reads() - synced <= most

        status = llmproxy(litellm, ["status", "-o", "json"], cwd=tmp_path, env=ENV, url=fp.url)
        checks = {c["name"]: c for c in json.loads(status.stdout)["checks"]}
        assert checks["replicas"]["status"] == "warn"
        assert checks["replicas"]["detail"].startswith("cannot check the replicas:")
        assert status.returncode == 0, status.stdout + status.stderr
    _rerun_converges(litellm, tmp_path)
