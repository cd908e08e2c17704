"""The litellm and redis services as the stack defines them, run for real: Docker secrets as files,
configs/secret-env.sh, configs/litellm.yaml, the pinned LiteLLM, PostgreSQL with password auth and
Redis started with the stack's own command line.

Only what Swarm itself does is replaced: secrets live in a temporary directory instead of
/run/secrets, and host names and ports are the local ones. Everything else (the variables, the
entrypoint wrapper, the LiteLLM settings, the valkey command) is taken from the rendered stack.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import harness_env, stop_proxy, wait_until_live
from tests.stack.litellm_venv import venv_python
from tests.stack.postgres import Cluster, free_port
from tests.stack.stacks import REPO, STACKS, example_env, render

WRAPPER = REPO / "configs" / "secret-env.sh"
CONFIG = REPO / "configs" / "litellm.yaml"
APP_ROLE = "litellm_app"
# URL-hostile on purpose: LiteLLM must URL-encode it when it builds DATABASE_URL.
SECRETS = {
    "db-password": "Sp3c:al/p@ss+w%rd#1",
    "litellm-master-key": "sk-stack-master-5f0c2a9e",
    "litellm-salt-key": "stack-salt-7d1e4b",
    "antigravity-manager-api-key": "sk-antigravity-3c9a",
    "redis-password": "9f2c4e6a8b0d1f3e",
}


@pytest.fixture(scope="module")
def stack() -> dict:
    return render(STACKS["llmproxy"], example_env(STACKS["llmproxy"]))


@pytest.fixture()
def secrets_dir(tmp_path: Path) -> Path:
    d = tmp_path / "secrets"
    d.mkdir()
    for name, value in SECRETS.items():
        # as `openssl rand -hex 32 > file` would write it: with a trailing newline
        (d / name).write_text(value + "\n")
    return d


def local_path(value: str, secrets_dir: Path) -> str:
    return str(secrets_dir / value.removeprefix("/run/secrets/")) if value.startswith("/run/secrets/") else value


@pytest.fixture()
def redis(stack: dict, secrets_dir: Path) -> Iterator[int]:
    """valkey's command line from the stack, run by redis-server (same server code and flags)."""
    server = shutil.which("redis-server") or shutil.which("valkey-server")
    if server is None and os.geteuid() == 0:  # as ./test installs shellcheck
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=False, capture_output=True,
                       timeout=600, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server): the stack's Redis "
                    "command and LiteLLM's coordination Redis are tested against a real server")
    svc = stack["services"]["redis"]
    assert svc["entrypoint"] == ["/bin/sh", "/usr/local/bin/secret-env.sh"]
    shell, dash_c, script = svc["command"]
    assert (shell, dash_c) == ("/bin/sh", "-c")
    port = free_port()
    script = (script.replace("docker-entrypoint.sh valkey-server", server)
              .replace("--port 6379", f"--port {port} --bind 127.0.0.1"))
    env = {"PATH": os.environ["PATH"], "SECRETS_DIR": str(secrets_dir),
           **{k: local_path(str(v), secrets_dir) for k, v in svc["environment"].items()}}
    proc = subprocess.Popen(["sh", str(WRAPPER), "sh", "-c", script], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while redis_cli(port, "ping", password=SECRETS["redis-password"]) != "PONG":
            assert proc.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.1)  # polling a readiness condition
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def redis_cli(port: int, *args: str, password: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    if password is not None:
        env["REDISCLI_AUTH"] = password
    proc = subprocess.run(["redis-cli", "-p", str(port), *args], check=False, env=env, capture_output=True, text=True, timeout=10)
    return proc.stdout.strip()


@pytest.fixture()
def app_database(pg: Cluster, litellm_db: str) -> str:
    """litellm_db, reached as a role that must log in with SECRETS["db-password"]."""
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
    return litellm_db


def litellm_env(stack: dict, secrets_dir: Path, pg: Cluster, database: str, redis_port: int) -> dict[str, str]:
    svc_env = {k: local_path(str(v), secrets_dir) for k, v in stack["services"]["litellm"]["environment"].items()}
    svc_env.update({"DATABASE_HOST": f"127.0.0.1:{pg.port}", "DATABASE_USERNAME": APP_ROLE,
                    "DATABASE_NAME": database, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port)})
    h = harness_env()
    state = Path(h["LITELLM_REAL_DIR"])
    engine = state / "engine"
    return {"PATH": f"{state / 'venv' / 'bin'}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/root"),
            "SECRETS_DIR": str(secrets_dir),
            # what the harness sets for a local, offline LiteLLM (the image has these built in)
            "PRISMA_BINARY_CACHE_DIR": str(engine), "PRISMA_QUERY_ENGINE_BINARY": str(engine / "query-engine"),
            "PRISMA_SCHEMA_ENGINE_BINARY": str(engine / "schema-engine-unavailable"),
            "PRISMA_HIDE_UPDATE_MESSAGE": "1", "CHECKPOINT_DISABLE": "1", "DISABLE_SCHEMA_UPDATE": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True", **svc_env}


def test_litellm_starts_from_docker_secrets_and_shares_redis(stack: dict, secrets_dir: Path, pg: Cluster,
                                                             app_database: str, redis: int, tmp_path: Path) -> None:
    svc = stack["services"]["litellm"]
    assert svc["entrypoint"][:2] == ["/bin/sh", "/usr/local/bin/secret-env.sh"]
    litellm = Path(venv_python()).with_name("litellm")
    port = free_port()
    command = [a if a != "/app/config.yaml" else str(CONFIG) for a in svc["command"]]
    command[command.index("--port") + 1] = str(port)
    log = tmp_path / "litellm.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(["sh", str(WRAPPER), str(litellm), *command, "--host", "127.0.0.1"],
                                env=litellm_env(stack, secrets_dir, pg, app_database, redis), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_live(url, proc, timeout=240)
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{log.read_text()[-4000:]}")
        master = SECRETS["litellm-master-key"]
        with httpx.Client(base_url=url, timeout=60) as c:
            # the master key came from its secret file; anything else is refused
            assert c.get("/key/list", headers={"Authorization": "Bearer sk-wrong"}).status_code in (400, 401)
            made = c.post("/key/generate", headers={"Authorization": f"Bearer {master}"}, json={"key_alias": "stack-t"})
            assert made.status_code == 200, made.text
            # written to and read back from PostgreSQL, logged in with the URL-hostile password
            key = made.json()["key"]
            assert c.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            ready = c.get("/health/readiness").json()
            assert ready.get("db") == "connected", ready
        rows = pg.query("SELECT key_alias FROM \"LiteLLM_VerificationToken\" WHERE key_alias = 'stack-t'",
                        database=app_database)
        assert rows == [["stack-t"]]
        # LiteLLM's coordination Redis is the stack's Redis, logged in with the secret password:
        # it subscribes to the config-change channel the replicas broadcast on
        deadline = time.monotonic() + 30
        while "litellm_proxy.config_change" not in redis_cli(redis, "pubsub", "channels",
                                                             password=SECRETS["redis-password"]):
            assert time.monotonic() < deadline, f"LiteLLM never subscribed on Redis\n{log.read_text()[-3000:]}"
            time.sleep(0.2)  # polling a condition
        # no secret was printed along the way
        text = log.read_text()
        for name, value in SECRETS.items():
            assert value not in text, f"{name} appears in LiteLLM's output"
    finally:
        stop_proxy(proc)


def test_the_redis_healthcheck_logs_in_with_the_secret(stack: dict, secrets_dir: Path, redis: int,
                                                       tmp_path: Path) -> None:
    """The healthcheck as rendered, with valkey-cli played by redis-cli pointed at the test server."""
    kind, script = stack["services"]["redis"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL" and "-a " not in script  # no password on a command line
    cli = shutil.which("redis-cli")
    assert cli is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "valkey-cli").write_text(f'#!/bin/sh\nexec "{cli}" -p {redis} "$@"\n')
    (bin_dir / "valkey-cli").chmod(0o755)

    def check(secrets: Path) -> int:
        local = script.replace("/run/secrets/", f"{secrets}/")
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
        return subprocess.run(["sh", "-c", local], check=False, env=env, timeout=30).returncode

    assert check(secrets_dir) == 0
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "redis-password").write_text("not-the-password\n")
    assert check(wrong) != 0
