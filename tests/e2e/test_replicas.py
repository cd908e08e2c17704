"""Two LiteLLM replicas on one PostgreSQL behind a round-robin balancer, as Docker Swarm runs
``replicas: 2``, with LiteLLM's reload interval at its default (30 s): each replica serves
credentials, models and router settings from its memory until it reloads them from the database.

``sync`` through the balancer is done only when both replicas have it (or it says it is still
propagating), ``plan`` right after it shows nothing, the aliases answer the official OpenAI SDK on
both replicas, and syncs by two owners one after the other lose nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.dataplane import LLMPROXY_ENV, config, provider, reset_shared
from tests.e2e.harness import CONFIG_FILE, Harness, start_proxy, stop_proxy, wait_until_live
from tests.faultproxy import FaultProxy
from tests.harness.processes import free_port
from tests.upstream import Upstream


@dataclass
class Replicas:
    one: Harness
    two: Harness
    balancer: str  # the round-robin proxy in front of both

    @property
    def each(self) -> tuple[Harness, Harness]:
        return self.one, self.two


@pytest.fixture(scope="module")
def replicas(harness: Harness) -> Iterator[Replicas]:
    """Two more LiteLLM processes on the harness database (no Redis: they learn of each other's
    writes only by reloading, every PROXY_CONFIG_RELOAD_INTERVAL_SECONDS, left at its default)."""
    ports = [free_port(), free_port()]
    procs = []
    try:
        for port in ports:
            procs.append(start_proxy(harness, port, config=CONFIG_FILE,
                                     drop_env=("PROXY_CONFIG_RELOAD_INTERVAL_SECONDS",)))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, procs, strict=True):
            wait_until_live(url, proc, timeout=240)
        with FaultProxy(urls) as balancer:  # no faults: round-robin, one request each in turn
            yield Replicas(replace(harness, url=urls[0]), replace(harness, url=urls[1]), balancer.url)
    finally:
        for proc in procs:
            stop_proxy(proc)


@pytest.fixture()
def clean(litellm: Harness, replicas: Replicas) -> Replicas:
    """Both replicas reset and listing nothing of the previous test."""
    for replica in replicas.each:
        reset_shared(replica)
    return replicas


def run(r: Replicas, args: list[str], cwd: Path) -> tuple[int, str]:
    proc = llmproxy(r.one, args, cwd=cwd, env=LLMPROXY_ENV, url=r.balancer)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def ask(replica: Harness, model: str) -> str:
    client = openai.OpenAI(base_url=f"{replica.url}/v1", api_key=replica.master_key, max_retries=0, timeout=60)
    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=3)
    return str(r.choices[0].message.content)


def aliases_on(replica: Harness) -> dict[str, Any]:
    with replica.client() as c:
        values = c.get("/router/settings").raise_for_status().json()["current_values"]
    return dict(values.get("model_group_alias") or {})


def bookkeeping_on(r: Replicas) -> str:
    """Each replica's copy of the ledger and the witness, for a failure message."""
    lines = []
    for replica in r.each:
        with replica.client() as c:
            for name in ("llmproxy-state.llmproxy", "llmproxy-sync"):
                answer = c.get(f"/credentials/by_name/{name}")
                info = answer.json().get("credential_info") if answer.status_code == 200 else answer.status_code
                lines.append(f"{replica.url} {name}: {info}")
    return "\n".join(lines)


def owner_config(upstream: Upstream, owner: str, models: list[str], aliases: dict[str, str]) -> dict[str, Any]:
    cfg = config({f"{owner}-up": provider(upstream, {m: {} for m in models})}, aliases=aliases, owner=owner)
    if owner != "llmproxy":
        del cfg["router_settings"]  # router keys are one owner's (another's would be a plan conflict)
    return cfg


def test_sync_through_two_replicas_is_done_on_both_and_plan_right_after_shows_nothing(
        clean: Replicas, upstream: Upstream, tmp_path: Path) -> None:
    cfg = owner_config(upstream, "llmproxy", ["m1", "m2"], {"fast": "openai/m1", "smart": "openai/m2"})
    write_config(tmp_path, cfg)
    rc, output = run(clean, ["sync", "--yes"], tmp_path)
    assert rc == 0, output  # verify did not fail falsely on the replica that had not reloaded yet
    assert "waiting for replicas: " in output  # the second replica reloads up to 30 s later
    # Done means done on both replicas: every alias answers on each, through the OpenAI SDK.
    for replica in clean.each:
        for alias, target in cfg["aliases"].items():
            assert ask(replica, alias) == f"hello from {target.split('/')[1]}", (replica.url, alias)
    rc, output = run(clean, ["plan", "--detailed-exitcode"], tmp_path)
    assert rc == 0, output  # no phantom changes from a stale replica
    assert "replicas disagree" not in output

    # A change (an alias retargeted, one removed from the config and pruned) is also done on both.
    cfg["aliases"] = {"fast": "openai/m2"}
    write_config(tmp_path, cfg)
    rc, output = run(clean, ["sync", "--yes", "--prune"], tmp_path)
    assert rc == 0, output
    for replica in clean.each:
        assert aliases_on(replica) == {"fast": "openai/m2"}
        assert ask(replica, "fast") == "hello from m2"
    rc, output = run(clean, ["plan", "--detailed-exitcode", "--prune"], tmp_path)
    # No phantom ledger repairs either: every replica shows the ledger this sync wrote.
    assert rc == 0, f"{output}\n{bookkeeping_on(clean)}"


def test_syncs_by_two_owners_one_after_the_other_through_the_balancer_lose_nothing(
        clean: Replicas, upstream: Upstream, tmp_path: Path) -> None:
    dirs = {owner: tmp_path / owner for owner in ("team-a", "team-b")}
    wanted: dict[str, dict[str, str]] = {"team-a": {}, "team-b": {}}
    for rnd in range(2):
        for owner, short in (("team-a", "a"), ("team-b", "b")):
            wanted[owner].update({f"{short}{rnd}-{i}": "openai/m1" for i in range(3)})
            write_config(dirs[owner], owner_config(upstream, owner, ["m1"], wanted[owner]))
            rc, output = run(clean, ["sync", "--yes"], dirs[owner])
            assert rc == 0, f"round {rnd}, {owner}: {output}"
    every = {**wanted["team-a"], **wanted["team-b"]}
    for replica in clean.each:
        assert aliases_on(replica) == every, replica.url
    for owner in dirs:
        rc, output = run(clean, ["plan", "--detailed-exitcode"], dirs[owner])
        assert rc == 0, f"{owner}: {output}"
