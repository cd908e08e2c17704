"""Start and reset the real LiteLLM proxy (../shared/litellm-real) for end-to-end tests.

The harness is started once per test run on a port and state directory of its own
(``LLMPROXY_E2E_PORT``, ``LLMPROXY_E2E_DIR``, ``LLMPROXY_E2E_PG_PORT``), so it never collides
with a proxy a developer runs by hand. If it cannot start, the e2e tests fail: they never skip.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
HARNESS = Path(os.environ.get("LLMPROXY_HARNESS", REPO.parent / "shared" / "litellm-real"))
MASTER_KEY = "sk-e2e-master-key-0123456789"
SALT_KEY = "sk-salt-litellm-real-0000"  # encrypts stored credentials: every process on the DB needs the same
CONFIG_FILE = Path(__file__).with_name("litellm-config.yaml")


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
        return f"postgresql://postgres@127.0.0.1:{self.env['LITELLM_PG_PORT']}/litellm"

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60,
                            headers={"Authorization": f"Bearer {key or self.master_key}"})


def harness_env() -> dict[str, str]:
    port = os.environ.get("LLMPROXY_E2E_PORT", "4100")
    state = os.environ.get("LLMPROXY_E2E_DIR", "/tmp/llmproxy-e2e-litellm")
    pg_port = os.environ.get("LLMPROXY_E2E_PG_PORT", "55532")
    env = dict(os.environ)
    env.update({
        "LITELLM_PORT": port,
        "LITELLM_REAL_DIR": state,
        "LITELLM_PG_PORT": pg_port,
        "LITELLM_MASTER_KEY": MASTER_KEY,
        "LITELLM_SALT_KEY": SALT_KEY,
        "LITELLM_CONFIG": str(CONFIG_FILE),
    })
    return env


def start() -> Harness:
    env = harness_env()
    up = HARNESS / "up"
    if not up.exists():
        raise RuntimeError(f"LiteLLM harness not found at {HARNESS} (set LLMPROXY_HARNESS)")
    proc = subprocess.run([str(up)], env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"LiteLLM harness failed to start:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return Harness(url=f"http://127.0.0.1:{env['LITELLM_PORT']}", master_key=MASTER_KEY,
                   state_dir=Path(env["LITELLM_REAL_DIR"]), env=env)


def reset(h: Harness) -> None:
    """Bring LiteLLM back to a known state: no DB models, no credentials, no router settings
    written by tests, no keys. The config-file model stays (it cannot be deleted via the API)."""
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
                c.post("/model/delete", json={"id": m["model_info"]["id"]}).raise_for_status()
        for cred in c.get("/credentials").raise_for_status().json()["credentials"]:
            c.delete(f"/credentials/{cred['credential_name']}").raise_for_status()
        c.post("/config/update", json={"router_settings": {
            "model_group_alias": {}, "fallbacks": [], "num_retries": 2, "timeout": 6000.0,
            "routing_strategy": "simple-shuffle", "cooldown_time": 5, "allowed_fails": 3,
        }}).raise_for_status()
        while True:  # /key/list pages hold at most 100 keys; delete until none are left
            keys = c.get("/key/list", params={"page": 1, "size": 100}).raise_for_status().json()
            tokens = [k for k in keys.get("keys", []) if isinstance(k, str)]
            if not tokens:
                break
            c.post("/key/delete", json={"keys": tokens}).raise_for_status()


def start_proxy(h: Harness, port: int, *, config: Path | None = None,
                extra_env: dict[str, str] | None = None, with_database: bool = True,
                drop_env: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    """Another real LiteLLM process from the harness venv on ``port`` (the caller terminates it,
    e.g. with ``stop_proxy``). By default it shares the harness database, as a second Swarm
    replica would; ``with_database=False`` starts it without one (a misconfigured gateway)."""
    env = {k: v for k, v in h.env.items() if k not in drop_env}
    if not with_database:
        env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "STORE_MODEL_IN_DB")}
    else:
        engine = h.state_dir / "engine"
        env.update({"DATABASE_URL": h.database_url, "STORE_MODEL_IN_DB": "True",
                    "DISABLE_SCHEMA_UPDATE": "true",
                    "PRISMA_BINARY_CACHE_DIR": str(engine),
                    "PRISMA_QUERY_ENGINE_BINARY": str(engine / "query-engine"),
                    "PRISMA_SCHEMA_ENGINE_BINARY": str(engine / "schema-engine-unavailable"),
                    "PRISMA_HIDE_UPDATE_MESSAGE": "1", "CHECKPOINT_DISABLE": "1",
                    "PATH": f"{h.litellm_bin.parent}:{env.get('PATH', '')}"})
    env.update({"LITELLM_MASTER_KEY": h.master_key, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    env.update(extra_env or {})
    args = [str(h.litellm_bin), "--host", "127.0.0.1", "--port", str(port)]
    if config is not None:
        args += ["--config", str(config)]
    log = open(h.state_dir / "run" / f"proxy-{port}.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=h.state_dir / "run")


def stop_proxy(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a proxy from ``start_proxy`` and everything it spawned (its session)."""
    import signal

    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def start_without_database(h: Harness, port: int) -> subprocess.Popen[bytes]:
    """A second, real LiteLLM from the harness venv with no DATABASE_URL (as a misconfigured
    gateway would run). The caller terminates it."""
    return start_proxy(h, port, with_database=False)


def wait_until_live(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Poll /health/liveliness until it answers (bounded); fail if the process exits."""
    import time

    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as c:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"LiteLLM exited with {proc.returncode} before it was ready")
            try:
                if c.get(f"{url}/health/liveliness").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)  # polling interval of a readiness probe, not a synchronisation guess
    raise RuntimeError(f"LiteLLM at {url} not ready after {timeout}s")
