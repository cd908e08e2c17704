"""The pinned LiteLLM of the test harness (tests/harness/), as a Python venv.

These tests only need the installed LiteLLM (its schema and settings), not a running proxy.
The install is the harness's own (one state directory per checkout, see tests/harness/run.py),
created on first use. Nothing here skips: if it cannot be set up, the tests fail.
"""

from __future__ import annotations

from pathlib import Path

from tests.harness.run import harness_run


def venv_python() -> Path:
    return harness_run().installed.python


def litellm_proxy_extras() -> Path:
    """The litellm_proxy_extras package directory: schema.prisma and migrations/."""
    return harness_run().installed.extras
