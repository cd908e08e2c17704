"""Install the pinned LiteLLM proxy and what it needs, into a state directory (idempotent).

* ``venv/``: ``litellm[proxy]`` and friends from ``requirements.txt``, every transitive
  version pinned by ``constraints.txt``;
* Node.js: the system ``node`` when there is one, else PyPI's ``nodejs-bin`` in that venv;
* ``engine/``: the npm packages of ``engine/package-lock.json`` (``npm ci``) and the query-engine
  shim LiteLLM's Prisma client runs instead of Prisma's native engine (see README.md);
* ``prisma generate``: the Prisma client for LiteLLM's ``schema.prisma``, inside the venv.

Each step is skipped when a stamp says its inputs are unchanged.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINE_FILES = ("package.json", "package-lock.json", "qe-shim.mjs", "query-engine", "schema-engine-unavailable")
NODE_WHEEL = "nodejs-bin[cmd]==18.4.0a4"
_LOCATE_EXTRAS = "import litellm_proxy_extras, os; print(os.path.dirname(litellm_proxy_extras.__file__))"


class InstallError(RuntimeError):
    pass


@dataclass(frozen=True)
class Installed:
    """What the proxy and its tools need from the state directory."""

    state: Path
    node: Path
    extras: Path  # litellm_proxy_extras: schema.prisma and migrations/

    @property
    def venv(self) -> Path:
        return self.state / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def litellm(self) -> Path:
        return self.venv / "bin" / "litellm"

    @property
    def engine(self) -> Path:
        return self.state / "engine"

    def env(self) -> dict[str, str]:
        """Environment for ``prisma generate`` and the proxy: the shim as query engine, no
        engine downloads, no model-cost-map fetch."""
        return {
            "PATH": f"{self.venv / 'bin'}:{self.node.parent}:{os.environ.get('PATH', '')}",
            "QE_SHIM_NODE": str(self.node),
            "PRISMA_BINARY_CACHE_DIR": str(self.engine),
            "PRISMA_QUERY_ENGINE_BINARY": str(self.engine / "query-engine"),
            "PRISMA_SCHEMA_ENGINE_BINARY": str(self.engine / "schema-engine-unavailable"),
            "PRISMA_HIDE_UPDATE_MESSAGE": "1",
            "CHECKPOINT_DISABLE": "1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }


def _sha(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _stamped(stamp: Path, value: str) -> bool:
    return stamp.is_file() and stamp.read_text().strip() == value


def run_logged(cmd: list[str], log: Path, what: str, *, cwd: Path | None = None,
               env: dict[str, str] | None = None, timeout: float = 1800) -> None:
    with log.open("ab") as out:
        out.write(f"==== {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise InstallError(f"{what} failed (exit {proc.returncode}; log {log}):\n{tail}")


def pip_install(state: Path, *requirements: str, log_name: str = "pip.log") -> None:
    """``pip install`` into the harness venv (creating it first if needed)."""
    venv = state / "venv"
    if not (venv / "bin" / "python").exists():
        run_logged([sys.executable, "-m", "venv", str(venv)], state / log_name, "creating the harness venv")
    run_logged([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                *requirements], state / log_name, f"pip install {' '.join(requirements)}")


def _venv(state: Path) -> None:
    reqs, cons = HERE / "requirements.txt", HERE / "constraints.txt"
    stamp = state / "venv" / ".harness-stamp"
    value = _sha(reqs, cons)
    if not _stamped(stamp, value):
        shutil.rmtree(state / "venv", ignore_errors=True)
        pip_install(state, "-r", str(reqs), "-c", str(cons))
        stamp.write_text(value)


def find_node(state: Path) -> Path:
    """System ``node`` (``LLMPROXY_TEST_NODE=system``, the default when one is on PATH), or
    PyPI's ``nodejs-bin`` installed into the harness venv (``LLMPROXY_TEST_NODE=wheel``, and the
    fallback); or an explicit path to a ``node`` executable."""
    choice = os.environ.get("LLMPROXY_TEST_NODE", "")
    if choice not in ("", "system", "wheel"):
        return Path(choice)
    if choice != "wheel":
        system = shutil.which("node")
        if system:
            return Path(system)
        if choice == "system":
            raise InstallError("LLMPROXY_TEST_NODE=system, but there is no node on PATH")
    # The real binary inside the wheel (venv/bin/node is a Python wrapper that spawns it).
    found = glob.glob(str(state / "venv" / "lib" / "python3*" / "site-packages" / "nodejs" / "bin" / "node"))
    if not found:
        pip_install(state, NODE_WHEEL)
        found = glob.glob(str(state / "venv" / "lib" / "python3*" / "site-packages" / "nodejs" / "bin" / "node"))
    if not found:
        raise InstallError(f"{NODE_WHEEL} has no nodejs/bin/node on this platform")
    return Path(found[0])


def npm_command(node: Path) -> list[str]:
    """npm run by ``node`` itself: the npm of that Node.js installation (``lib/node_modules/npm``;
    the wheel's ``bin/npm`` is an empty file, its symlink lost), else ``npm`` on PATH."""
    cli = node.resolve().parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if cli.is_file():
        return [str(node), str(cli)]
    found = shutil.which("npm")
    if found is None:
        raise InstallError(f"npm not found beside {node} nor on PATH")
    return [found]


def _engine(state: Path, node: Path) -> None:
    engine = state / "engine"
    engine.mkdir(parents=True, exist_ok=True)
    for name in ENGINE_FILES:
        shutil.copy2(HERE / "engine" / name, engine / name)
    stamp = engine / "node_modules" / ".harness-stamp"
    value = _sha(HERE / "engine" / "package-lock.json")
    if not _stamped(stamp, value):
        # --ignore-scripts: @prisma/engines' postinstall would try to download native engines.
        env = {**os.environ, "PATH": f"{node.parent}:{os.environ.get('PATH', '')}"}
        run_logged([*npm_command(node), "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   state / "npm.log", "npm ci of the query-engine shim", cwd=engine, env=env)
        stamp.write_text(value)


def _extras(state: Path) -> Path:
    proc = subprocess.run([str(state / "venv" / "bin" / "python"), "-c", _LOCATE_EXTRAS],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise InstallError(f"litellm_proxy_extras is not importable in {state / 'venv'}:\n{proc.stderr}")
    return Path(proc.stdout.strip())


def _generate(installed: Installed) -> None:
    schema = installed.state / "schema.prisma"
    shutil.copy2(installed.extras / "schema.prisma", schema)
    stamp = installed.venv / ".harness-generated"
    value = _sha(installed.venv / ".harness-stamp", schema, HERE / "engine" / "package-lock.json")
    if not _stamped(stamp, value):
        run_logged([str(installed.venv / "bin" / "prisma"), "generate", "--schema", str(schema)],
                   installed.state / "generate.log", "prisma generate", cwd=installed.state,
                   env={**os.environ, **installed.env()})
        stamp.write_text(value)


def install(state: Path) -> Installed:
    """Everything above, into ``state`` (created world-readable: PostgreSQL may run as another
    user and use the binaries installed here)."""
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    _venv(state)
    node = find_node(state)
    _engine(state, node)
    installed = Installed(state=state, node=node, extras=_extras(state))
    _generate(installed)
    return installed
