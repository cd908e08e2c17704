"""Everything one test run starts — the pinned LiteLLM install, one PostgreSQL cluster, LiteLLM
processes — and stops at its end.

One ``HarnessRun`` per process (``harness_run()``), on a state directory of its own:
``LLMPROXY_E2E_DIR``, default ``<tmp>/llmproxy-test-<hash of the checkout path>``, so two
checkouts never share one, and a run holds a lock on it (a second run on the same state
directory fails at once with a clear message instead of corrupting the first). Ports are chosen
free at run time unless ``LLMPROXY_E2E_PG_PORT`` (PostgreSQL) is set. Every process started here
is stopped by ``close()`` (called at the end of the pytest session and at interpreter exit)
and, should the test process be killed, by the kernel (parent-death signal).
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from tests.harness.install import Installed, install
from tests.harness.migrations import apply_migrations, build_request_log_indexes
from tests.harness.polling import poll_until
from tests.harness.postgres import Cluster, find_binaries, start_cluster, stop_cluster
from tests.harness.processes import die_with_parent, free_port, port_in_use, stop_group

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_DB = "litellm_template"
SALT_KEY = "sk-salt-llmproxy-tests-0000"
T = TypeVar("T")


def default_state_dir() -> Path:
    explicit = os.environ.get("LLMPROXY_E2E_DIR")
    if explicit:
        return Path(explicit).resolve()
    tag = hashlib.sha256(str(REPO).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"llmproxy-test-{tag}"


class HarnessRun:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.state.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] | None = (state / ".lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise RuntimeError(f"another test run uses the state directory {state}; "
                               "give this one its own with LLMPROXY_E2E_DIR") from None
        self._installed: Installed | None = None
        self._cluster: Cluster | None = None
        self._failed: dict[str, str] = {}
        self.proxies: list[subprocess.Popen[bytes]] = []
        self.main: Any = None  # tests.e2e.harness.Harness of the run's main LiteLLM, once started

    # -- install and database -------------------------------------------------------------
    @property
    def installed(self) -> Installed:
        if self._installed is None:
            self._installed = self.once("install", lambda: install(self.state))
        return self._installed

    def once(self, step: str, action: Callable[[], T]) -> T:
        """Run a set-up step; a failure is remembered, so the tests after the first one that
        needed it fail at once with the same message instead of trying again."""
        if step in self._failed:
            raise RuntimeError(f"the harness {step} failed earlier in this run: {self._failed[step]}")
        try:
            return action()
        except Exception as exc:
            self._failed[step] = f"{type(exc).__name__}: {exc}"
            raise

    @property
    def cluster(self) -> Cluster:
        """The run's PostgreSQL, with LiteLLM's schema in the template database ``TEMPLATE_DB``."""
        if self._cluster is None:
            self._cluster = self.once("PostgreSQL start", self._start_cluster)
        return self._cluster

    def _start_cluster(self) -> Cluster:
        installed = self.installed
        port = int(os.environ.get("LLMPROXY_E2E_PG_PORT") or free_port())
        if port_in_use(port):
            raise RuntimeError(f"port {port} for PostgreSQL is in use (LLMPROXY_E2E_PG_PORT)")
        cluster = start_cluster(find_binaries(self.state), self.state / "pg", port)
        try:
            if not cluster.query(f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE_DB}'"):
                cluster.psql("-c", f'CREATE DATABASE "{TEMPLATE_DB}"')
            if apply_migrations(cluster, TEMPLATE_DB, installed.extras):
                build_request_log_indexes(cluster, TEMPLATE_DB, installed.python, installed.env(),
                                          self.state / "migrations.log")
        except BaseException:
            stop_cluster(cluster)
            raise
        return cluster

    def fresh_database(self, name: str) -> str:
        """A new database ``name`` (dropped first if it exists) holding LiteLLM's empty schema;
        its URL."""
        cluster = self.cluster
        cluster.psql("-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cluster.psql("-q", "-c", f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
        return cluster.url(name)

    # -- LiteLLM ---------------------------------------------------------------------------
    def proxy_env(self, database_url: str | None, master_key: str, drop: tuple[str, ...] = ()) -> dict[str, str]:
        """The environment of a LiteLLM process: ours without ``drop``, the engine's, the keys,
        and the database (or none)."""
        base = {k: v for k, v in os.environ.items() if k not in drop}
        env = {**base, **self.installed.env(), "LITELLM_MASTER_KEY": master_key, "LITELLM_SALT_KEY": SALT_KEY}
        if database_url is not None:
            # The schema is managed by the harness: no `prisma migrate` at boot.
            env.update({"DATABASE_URL": database_url, "STORE_MODEL_IN_DB": "True",
                        "DISABLE_SCHEMA_UPDATE": "true"})
        else:
            for name in ("DATABASE_URL", "STORE_MODEL_IN_DB"):
                env.pop(name, None)
        return env

    def start_litellm(self, port: int, env: dict[str, str], config: Path | None = None) -> subprocess.Popen[bytes]:
        """A LiteLLM proxy on 127.0.0.1:``port`` in a session of its own (it and the query
        engine it spawns are stopped together); the caller waits for it to be ready."""
        if port_in_use(port):
            raise RuntimeError(f"port {port} for LiteLLM is in use")
        run = self.state / "run"
        run.mkdir(exist_ok=True)
        args = [str(self.installed.litellm), "--host", "127.0.0.1", "--port", str(port)]
        if config is not None:
            args += ["--config", str(config)]
        with (run / f"proxy-{port}.log").open("ab") as log:
            log.write(f"==== {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(args)}\n".encode())
            log.flush()
            proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=run, start_new_session=True, preexec_fn=die_with_parent(signal.SIGTERM))
        self.proxies.append(proc)
        return proc

    def log_tail(self, port: int) -> str:
        log = self.state / "run" / f"proxy-{port}.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def wait_ready(self, url: str, proc: subprocess.Popen[bytes], port: int, timeout: float = 240) -> None:
        """Until ``/health/readiness`` reports the database connected (bounded polling)."""
        with httpx.Client(timeout=5) as c:
            def ready() -> bool:
                if proc.poll() is not None:
                    raise RuntimeError(f"LiteLLM exited with {proc.returncode}:\n{self.log_tail(port)}")
                try:
                    return bool(c.get(f"{url}/health/readiness").json().get("db") == "connected")
                except (httpx.TransportError, ValueError):
                    return False

            poll_until(ready, timeout=timeout, interval=0.25,
                       message=lambda: f"LiteLLM at {url} not ready after {timeout}s:\n{self.log_tail(port)}")

    # -- the end ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop every LiteLLM and the PostgreSQL this run started; release the state directory."""
        for proc in self.proxies:
            stop_group(proc)
        self.proxies.clear()
        self.main = None
        if self._cluster is not None:
            stop_cluster(self._cluster)
            self._cluster = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


_bed: HarnessRun | None = None


def harness_run() -> HarnessRun:
    """This process's test bed (created on first use; closed at exit)."""
    global _bed
    if _bed is None:
        _bed = HarnessRun(default_state_dir())
        atexit.register(close_harness_run)
    return _bed


def close_harness_run() -> None:
    global _bed
    if _bed is not None:
        _bed.close()
        _bed = None
