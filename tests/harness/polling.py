"""Bounded polling: how the harness waits for a condition (a server answering, ready, ...)."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(condition: Callable[[], bool], *, timeout: float, interval: float,
               message: str | Callable[[], str]) -> None:
    """Call ``condition`` every ``interval`` seconds until it holds; after ``timeout`` seconds raise
    RuntimeError with ``message`` (a callable is asked only then, e.g. for a log's tail). To give
    up early (a process that exited), ``condition`` raises."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise RuntimeError(message if isinstance(message, str) else message())
        time.sleep(interval)  # the polling interval, not a guess at when the condition holds
