"""The pinned LiteLLM of the end-to-end harness (../shared/litellm-real), as a Python venv.

The e2e harness installs `litellm[proxy]` and `litellm-proxy-extras` at the versions the team
tests against into <LLMPROXY_E2E_DIR>/venv. These tests only need that venv (LiteLLM's schema and
settings), not a running proxy: it is used as it is when present, and created by starting the
harness once otherwise (the same harness and state directory the e2e tests use, never a second
copy). Nothing here skips: if the harness cannot be set up, the tests fail.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.e2e.harness import harness_env, start

_LOCATE = "import litellm_proxy_extras, os; print(os.path.dirname(litellm_proxy_extras.__file__))"


def _try_locate(python: Path) -> Path | None:
    if not python.exists():
        return None
    proc = subprocess.run([str(python), "-c", _LOCATE], capture_output=True, text=True, timeout=120)
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


@cache
def venv_python() -> Path:
    python = Path(harness_env()["LITELLM_REAL_DIR"]) / "venv" / "bin" / "python"
    if _try_locate(python) is None:
        start()  # installs the pinned LiteLLM into the harness venv (and starts the proxy)
    if _try_locate(python) is None:
        pytest.fail(f"LiteLLM's harness venv is not usable: {python}")
    return python


def litellm_proxy_extras() -> Path:
    """The litellm_proxy_extras package directory: schema.prisma and migrations/."""
    path = _try_locate(venv_python())
    if path is None or not (path / "migrations").is_dir():
        pytest.fail(f"litellm_proxy_extras has no migrations under {path}")
    return path
