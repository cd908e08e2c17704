"""Where ``sync`` delivers the secret of a key it mints: exactly once, and nowhere else.

``--keys-out DIR``: one file per alias (``DIR/<alias>``, mode 0600, written atomically: a
temporary file in DIR, fsync, rename), so a secret store can pick it up. ``--output json``: the
secrets are collected and printed once, inside sync's JSON object on stdout. A secret is never
part of a plan, a log line or an error (it is registered with the redactor the moment it exists).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from llmproxy.errors import LLMProxyError
from llmproxy.redaction import redactor


class SecretSink(Protocol):
    def deliver(self, alias: str, secret: str) -> None: ...

    def describe(self) -> str: ...


def _file_name(alias: str) -> str:
    """The alias as one path component (aliases may hold '/', which must not make directories)."""
    name = "".join(c if c.isalnum() or c in "-_.@+=" else "_" for c in alias)
    return name if name not in ("", ".", "..") else f"_{name}"


class DirectorySink:
    """``--keys-out DIR``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written: dict[str, Path] = {}
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"--keys-out {self.directory}"

    def check(self) -> None:
        """Before any key is minted: the directory exists (created 0700 if missing) and is writable."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".llmproxy-check-"):
                pass
        except OSError as exc:
            raise LLMProxyError(f"--keys-out {self.directory}: cannot write there ({exc.strerror or exc})",
                                hint="give a writable directory; nothing was created") from None

    def path_for(self, alias: str) -> Path:
        return self.directory / _file_name(alias)

    def deliver(self, alias: str, secret: str) -> None:
        redactor.add(secret)
        target = self.path_for(alias)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".llmproxy-key-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secret + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise LLMProxyError(
                f"key {alias!r} was created but its secret could not be written to {target} "
                f"({exc.strerror or exc})",
                hint=f"issue a new secret with `llmproxy keys rotate {alias}`") from None
        with self._lock:
            self.written[alias] = target


class JsonSink:
    """``--output json``: the secrets, printed once in sync's JSON object."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def describe(self) -> str:
        return "--output json"

    def deliver(self, alias: str, secret: str) -> None:
        redactor.add(secret)
        with self._lock:
            self.secrets[alias] = secret
