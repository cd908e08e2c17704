"""The litellm and redis services as the stack defines them, run for real: Docker secrets as files,
configs/secret-env.sh, configs/litellm.yaml, the pinned LiteLLM (two replicas, as
LITELLM_REPLICAS=2 runs it), PostgreSQL with password auth and Redis started with the stack's own
command line.

Only what Swarm itself does is replaced: secrets live in a temporary directory instead of
/run/secrets, and host names and ports are the local ones. Everything else (the variables, the
entrypoint wrapper, the LiteLLM settings, the valkey command, the healthcheck) is taken from the
rendered stack.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import stop_proxy, wait_until_live
from tests.harness.postgres import Cluster
from tests.harness.processes import free_port
from tests.harness.run import harness_run
from tests.harness.valkey import valkey_binary as harness_valkey_binary
from tests.stack.litellm_venv import venv_python
from tests.stack.stacks import REPO, STACKS, example_env, render

WRAPPER = REPO / "configs" / "secret-env.sh"
CONFIG = REPO / "configs" / "litellm.yaml"
APP_ROLE = "litellm_app"
APP_DB = "litellm_replicas"
# URL-hostile on purpose: LiteLLM must URL-encode it when it builds DATABASE_URL.
SECRETS = {
    "db-password": "Sp3c:al/p@ss+w%rd#1",
    "litellm-master-key": "sk-stack-master-5f0c2a9e",
    "litellm-salt-key": "stack-salt-7d1e4b",
    "antigravity-manager-api-key": "sk-antigravity-3c9a",
    "redis-password": "9f2c4e6a8b0d1f3e",
}
MASTER = SECRETS["litellm-master-key"]
# Far above what any test waits: a change seen by the other replica came through Redis.
RELOAD_INTERVAL = "600"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def stack() -> dict:
    return render(STACKS["llmproxy"], example_env(STACKS["llmproxy"]))


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("secrets")
    for name, value in SECRETS.items():
        # as `openssl rand -hex 32 > file` would write it: with a trailing newline
        (d / name).write_text(value + "\n")
    return d


def local_path(value: str, secrets_dir: Path) -> str:
    return str(secrets_dir / value.removeprefix("/run/secrets/")) if value.startswith("/run/secrets/") else value


def valkey_binary(name: str) -> str:
    try:
        return str(harness_valkey_binary(name))
    except RuntimeError as exc:
        pytest.fail(str(exc))


def redis_server() -> str:
    return valkey_binary("valkey-server")


def redis_cli(port: int, *args: str, password: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    if password is not None:
        env["REDISCLI_AUTH"] = password
    proc = subprocess.run([valkey_binary("valkey-cli"), "-p", str(port), *args], check=False, env=env,
                          capture_output=True, text=True, timeout=10)
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def redis(stack: dict, secrets_dir: Path) -> Iterator[int]:
    """valkey's command line from the stack, run by the same valkey-server release."""
    svc = stack["services"]["redis"]
    assert svc["entrypoint"] == ["/bin/sh", "/usr/local/bin/secret-env.sh"]
    shell, dash_c, script = svc["command"]
    assert (shell, dash_c) == ("/bin/sh", "-c")
    port = free_port()
    script = (script.replace("docker-entrypoint.sh valkey-server", redis_server())
              .replace("--port 6379", f"--port {port} --bind 127.0.0.1"))
    env = {"PATH": os.environ["PATH"], "SECRETS_DIR": str(secrets_dir),
           **{k: local_path(str(v), secrets_dir) for k, v in svc["environment"].items()}}
    proc = subprocess.Popen(["sh", str(WRAPPER), "sh", "-c", script], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while redis_cli(port, "ping", password=SECRETS["redis-password"]) != "PONG":
            assert proc.poll() is None, "valkey-server exited"
            assert time.monotonic() < deadline, "valkey-server did not answer"
            time.sleep(0.1)  # polling a readiness condition
        assert redis_cli(port, "ping").startswith("NOAUTH"), "Redis must require the password"
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app_database(pg: Cluster, litellm_schema: str) -> Iterator[str]:
    """A LiteLLM database reached as a role that must log in with SECRETS["db-password"]; fresh on
    every run (the cluster lives on in the state directory between runs)."""
    drop = f'DROP DATABASE IF EXISTS "{APP_DB}" WITH (FORCE)'
    pg.psql("-c", drop, "-c", f'CREATE DATABASE "{APP_DB}" TEMPLATE "{litellm_schema}"')
    password = SECRETS["db-password"].replace("'", "''")
    pg.psql("-c", f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
                  f"CREATE ROLE {APP_ROLE} LOGIN SUPERUSER; END IF; END $$",
            "-c", f"ALTER ROLE {APP_ROLE} PASSWORD '{password}'")
    hba = pg.root / "data" / "pg_hba.conf"
    line = f"host all {APP_ROLE} 127.0.0.1/32 scram-sha-256\n"
    if line not in hba.read_text():
        hba.write_text(line + hba.read_text())
        pg.psql("-c", "SELECT pg_reload_conf()")
    wrong = pg.psql("-h", "127.0.0.1", "-U", APP_ROLE, "-c", "SELECT 1", env={"PGPASSWORD": "wrong"}, check=False)
    assert wrong.returncode != 0, "the test role must need its password"
    yield APP_DB
    pg.psql("-c", drop)


def litellm_env(stack: dict, secrets_dir: Path, pg: Cluster, database: str, redis_port: int) -> dict[str, str]:
    svc_env = {k: local_path(str(v), secrets_dir) for k, v in stack["services"]["litellm"]["environment"].items()}
    svc_env.update({"DATABASE_HOST": f"127.0.0.1:{pg.port}", "DATABASE_USERNAME": APP_ROLE,
                    "DATABASE_NAME": database, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port),
                    "PROXY_CONFIG_RELOAD_INTERVAL_SECONDS": RELOAD_INTERVAL})
    # what the harness sets for a local, offline LiteLLM (the image has these built in)
    return {"HOME": os.environ.get("HOME", "/root"), "SECRETS_DIR": str(secrets_dir),
            **harness_run().installed.env(), "DISABLE_SCHEMA_UPDATE": "true", **svc_env}


@dataclass
class Replica:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self, key: str = MASTER) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def replicas(stack: dict, secrets_dir: Path, pg: Cluster, app_database: str, redis: int,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Replica]]:
    """Two litellm tasks of the stack: its entrypoint, command and variables, one database, one Redis."""
    svc = stack["services"]["litellm"]
    assert svc["entrypoint"][:2] == ["/bin/sh", "/usr/local/bin/secret-env.sh"]
    litellm = Path(venv_python()).with_name("litellm")
    env = litellm_env(stack, secrets_dir, pg, app_database, redis)
    started: list[Replica] = []
    try:
        for _ in range(2):
            port = free_port()
            command = [a if a != "/app/config.yaml" else str(CONFIG) for a in svc["command"]]
            command[command.index("--port") + 1] = str(port)
            run_dir = tmp_path_factory.mktemp("litellm")
            log = run_dir / "litellm.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(["sh", str(WRAPPER), str(litellm), *command, "--host", "127.0.0.1"],
                                        env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, cwd=run_dir)
            started.append(Replica(f"http://127.0.0.1:{port}", proc, log))
        for r in started:
            try:
                wait_until_live(r.url, r.proc, timeout=300)
            except RuntimeError as exc:
                pytest.fail(f"{exc}\n{r.log.read_text()[-4000:]}")
        yield started
    finally:
        for r in started:
            stop_proxy(r.proc)


def add_model(replica: Replica) -> str:
    """A deployment that answers without an upstream, created through ``replica``."""
    name = f"stack-model-{next(_names)}"
    with replica.client() as c:
        r = c.post("/model/new", json={"model_name": name, "litellm_params": {
            "model": "openai/gpt-4o-mini", "api_key": "sk-upstream-unused", "mock_response": "pong"}})
        assert r.status_code == 200, r.text
    return name


def wait_for_model(replica: Replica, name: str, timeout: float) -> float:
    """Seconds until ``replica`` lists ``name``; fails after ``timeout``."""
    start = time.monotonic()
    with replica.client() as c:
        while name not in {m["id"] for m in c.get("/v1/models").json()["data"]}:
            assert time.monotonic() - start < timeout, f"{name} never reached {replica.url}"
            time.sleep(0.25)  # polling a condition
    return time.monotonic() - start


def test_litellm_runs_on_its_docker_secrets(replicas: list[Replica], pg: Cluster, app_database: str,
                                             redis: int) -> None:
    a = replicas[0]
    with httpx.Client(base_url=a.url, timeout=60) as c:
        # the master key came from its secret file; anything else is refused
        assert c.get("/key/list", headers={"Authorization": "Bearer sk-wrong"}).status_code in (400, 401)
        made = c.post("/key/generate", headers={"Authorization": f"Bearer {MASTER}"}, json={"key_alias": "stack-t"})
        assert made.status_code == 200, made.text
        key = made.json()["key"]
        assert c.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        ready = c.get("/health/readiness").json()
        assert ready.get("db") == "connected", ready
    # written to PostgreSQL by a role that logged in with the URL-hostile password
    rows = pg.query("SELECT key_alias FROM \"LiteLLM_VerificationToken\" WHERE key_alias = 'stack-t'",
                    database=app_database)
    assert rows == [["stack-t"]]
    # both replicas subscribed on the stack's Redis, logged in with the secret password
    deadline = time.monotonic() + 60
    while int(redis_cli(redis, "pubsub", "numsub", "litellm_proxy.config_change",
                        password=SECRETS["redis-password"]).splitlines()[-1]) < 2:
        assert time.monotonic() < deadline, f"the replicas never subscribed on Redis\n{a.log.read_text()[-3000:]}"
        time.sleep(0.2)  # polling a condition
    for r in replicas:
        text = r.log.read_text()
        for name, value in SECRETS.items():
            assert value not in text, f"{name} appears in LiteLLM's output"


def test_a_change_reaches_the_other_replica_through_redis(replicas: list[Replica]) -> None:
    """With the database reload set to 10 minutes, the other replica can only learn of the new model
    from the pub/sub message (docs/deploy.md, "Replicas": 1 s + up to 5 s of jitter)."""
    a, b = replicas
    name = add_model(a)
    waited = wait_for_model(b, name, timeout=30)
    assert waited < 30
    with b.client() as c:
        r = c.post("/chat/completions", json={"model": name, "messages": [{"role": "user", "content": "ping"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "pong"


def test_a_keys_rate_limit_holds_across_replicas(replicas: list[Replica]) -> None:
    a, b = replicas
    name = add_model(a)
    wait_for_model(b, name, timeout=30)
    with a.client() as c:
        made = c.post("/key/generate", json={"models": [name], "rpm_limit": 2, "key_alias": "stack-rpm"})
        assert made.status_code == 200, made.text
        key = made.json()["key"]
    body = {"model": name, "messages": [{"role": "user", "content": "ping"}]}
    codes = []
    for replica in (a, b, a, b):
        with replica.client(key) as c:
            codes.append(c.post("/chat/completions", json=body).status_code)
    # two requests in the minute, whichever replica serves them; without Redis each would allow two
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429], codes


def test_the_redis_healthcheck_logs_in_with_the_secret(stack: dict, secrets_dir: Path, redis: int,
                                                       tmp_path: Path) -> None:
    """The healthcheck as rendered, with valkey-cli pointed at the test server."""
    kind, script = stack["services"]["redis"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL" and "-a " not in script  # no password on a command line
    cli = valkey_binary("valkey-cli")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "valkey-cli").write_text(f'#!/bin/sh\nexec "{cli}" -p {redis} "$@"\n')
    (bin_dir / "valkey-cli").chmod(0o755)

    def check(secrets: Path) -> int:
        local = script.replace("/run/secrets/", f"{secrets}/")
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
        return subprocess.run(["sh", "-c", local], check=False, env=env, capture_output=True,
                              timeout=30).returncode

    assert check(secrets_dir) == 0
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "redis-password").write_text("not-the-password\n")
    assert check(wrong) != 0
