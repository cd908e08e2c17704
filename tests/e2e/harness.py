"""The real LiteLLM proxy with a real PostgreSQL, for end-to-end tests (see tests/harness/).

``start()`` brings up the run's LiteLLM on a fresh database (``litellm``) of the run's own
PostgreSQL; ports are free ones chosen at run time unless ``LLMPROXY_E2E_PORT`` /
``LLMPROXY_E2E_PG_PORT`` say otherwise. Everything it starts is stopped at the end of the run.
If it cannot start, the e2e tests fail: they never skip.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.harness.polling import poll_until
from tests.harness.processes import free_port, stop_group
from tests.harness.run import REPO, HarnessRun, harness_run

__all__ = ["CONFIG_FILE", "MASTER_KEY", "REPO", "Harness", "reset", "start", "start_proxy",
           "start_without_database", "stop_proxy", "wait_until_live"]

MASTER_KEY = "sk-e2e-master-key-0123456789"
CONFIG_FILE = Path(__file__).with_name("litellm-config.yaml")
DATABASE = "litellm"


@dataclass(frozen=True)
class Harness:
    url: str
    master_key: str
    state_dir: Path
    env: dict[str, str]

    @property
    def litellm_bin(self) -> Path:
        """The pinned ``litellm`` executable of the harness venv."""
        return self.state_dir / "venv" / "bin" / "litellm"

    @property
    def database_url(self) -> str:
        """The harness PostgreSQL database LiteLLM uses (trust auth on loopback)."""
        return f"postgresql://postgres@127.0.0.1:{self.env['LITELLM_PG_PORT']}/{DATABASE}"

    @property
    def psql(self) -> Path:
        """``psql`` of the harness PostgreSQL (system or wheel)."""
        return Path(self.env["LLMPROXY_PG_BIN"]) / "psql"

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60,
                            headers={"Authorization": f"Bearer {key or self.master_key}"})


def start() -> Harness:
    """The run's LiteLLM (started on the first call, the same one afterwards)."""
    run = harness_run()
    if run.main is None:
        run.main = run.once("LiteLLM start", lambda: _start_main(run))
    return run.main  # type: ignore[no-any-return]


def _start_main(run: HarnessRun) -> Harness:
    database_url = run.fresh_database(DATABASE)
    port = int(os.environ.get("LLMPROXY_E2E_PORT") or free_port())
    env = run.proxy_env(database_url, MASTER_KEY)
    proc = run.start_litellm(port, env, CONFIG_FILE)
    url = f"http://127.0.0.1:{port}"
    try:
        run.wait_ready(url, proc, port)
    except BaseException:
        stop_group(proc)
        raise
    env.update({"LITELLM_PORT": str(port), "LITELLM_PG_PORT": str(run.cluster.port),
                "LLMPROXY_PG_BIN": str(run.cluster.bin)})
    return Harness(url=url, master_key=MASTER_KEY, state_dir=run.state, env=env)


def _gone_or_ok(response: httpx.Response) -> None:
    """A delete that finds the object gone is fine: another LiteLLM process on the same database
    (the harness and a gateway) may list an object the other one has just deleted."""
    if response.status_code != 404:
        response.raise_for_status()


def reset(h: Harness) -> None:
    """Bring LiteLLM back to a known state: no DB models, no credentials, no router settings
    written by tests, no DB guardrails, no public model groups, no keys. The config-file model
    stays (it cannot be deleted via the API)."""
    with h.client() as c:
        models = []
        page = 1
        while True:
            body = c.get("/v2/model/info", params={"page": page, "size": 500}).raise_for_status().json()
            models += body["data"]
            if len(body["data"]) < 500:
                break
            page += 1
        for m in models:
            if m["model_info"].get("db_model"):
                _gone_or_ok(c.post("/model/delete", json={"id": m["model_info"]["id"]}))
        for cred in c.get("/credentials").raise_for_status().json()["credentials"]:
            _gone_or_ok(c.delete(f"/credentials/{cred['credential_name']}"))
        c.post("/config/update", json={"router_settings": {
            "model_group_alias": {}, "fallbacks": [], "num_retries": 2, "timeout": 6000.0,
            "routing_strategy": "simple-shuffle", "cooldown_time": 5, "allowed_fails": 3,
        }}).raise_for_status()
        for g in c.get("/v2/guardrails/list").raise_for_status().json()["guardrails"]:
            if g.get("guardrail_definition_location", "db") == "db":
                _gone_or_ok(c.delete(f"/guardrails/{g['guardrail_id']}"))
        c.post("/model_group/make_public", json={"model_groups": []}).raise_for_status()
        while True:  # /key/list pages hold at most 100 keys; delete until none are left
            keys = c.get("/key/list", params={"page": 1, "size": 100}).raise_for_status().json()
            tokens = [k for k in keys.get("keys", []) if isinstance(k, str)]
            if not tokens:
                break
            c.post("/key/delete", json={"keys": tokens}).raise_for_status()


def start_proxy(h: Harness, port: int, *, config: Path | None = None,
                extra_env: dict[str, str] | None = None, with_database: bool = True,
                drop_env: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    """Another real LiteLLM process from the harness venv on ``port`` (the caller stops it with
    ``stop_proxy``; the end of the run stops it otherwise). By default it shares the harness
    database, as a second Swarm replica would; ``with_database=False`` starts it without one (a
    misconfigured gateway)."""
    run = harness_run()
    env = run.proxy_env(h.database_url if with_database else None, h.master_key, drop=drop_env)
    env.update(extra_env or {})
    return run.start_litellm(port, env, config)


def stop_proxy(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a proxy from ``start_proxy`` and everything it spawned (its session)."""
    stop_group(proc)


def start_without_database(h: Harness, port: int) -> subprocess.Popen[bytes]:
    """A second, real LiteLLM from the harness venv with no DATABASE_URL (as a misconfigured
    gateway would run). The caller terminates it."""
    return start_proxy(h, port, with_database=False)


def wait_until_live(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Poll /health/liveliness until it answers (bounded); fail if the process exits."""
    with httpx.Client(timeout=2) as c:
        def live() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"LiteLLM exited with {proc.returncode} before it was ready")
            try:
                return c.get(f"{url}/health/liveliness").status_code == 200
            except httpx.TransportError:
                return False

        poll_until(live, timeout=timeout, interval=0.25, message=f"LiteLLM at {url} not ready after {timeout}s")
