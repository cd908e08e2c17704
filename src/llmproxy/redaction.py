"""Keeping secrets out of everything llmproxy prints or writes.

Two tools:

* ``is_sensitive_key`` decides whether a field holds a secret, with the same rule LiteLLM uses to
  mask credential values on read (names containing key/token/secret/password/...).
* ``Redactor`` remembers every secret value llmproxy has seen in this process (resolved provider
  keys, the master key, minted keys) and scrubs them from any text before it is shown, e.g. an
  error message in which LiteLLM echoes a request body back.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "(sensitive)"

_SENSITIVE = re.compile(r"authorization|token|key|secret|credential|password|passwd", re.I)
# Fields whose names match the pattern but that are not secrets.
_NOT_SENSITIVE = {"max_tokens", "max_input_tokens", "max_output_tokens", "tpm", "rpm",
                  "key_alias", "key_name", "tpm_limit", "rpm_limit", "litellm_credential_name",
                  "credential_name"}


def is_sensitive_key(name: str) -> bool:
    return name not in _NOT_SENSITIVE and bool(_SENSITIVE.search(name))


def is_env_reference(value: Any) -> bool:
    """``os.environ/NAME`` is resolved by the proxy itself: a reference, not a secret."""
    return isinstance(value, str) and value.startswith("os.environ/")


def env_var_name(*parts: str) -> str:
    """``("antigravity-manager", "api_key")`` -> ``ANTIGRAVITY_MANAGER_API_KEY``."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").upper()
    return name if name and not name[0].isdigit() else f"LLMPROXY_{name}"


def redact_mapping(data: Any) -> Any:
    """A deep copy of ``data`` with the values of sensitive keys replaced (references kept)."""
    if isinstance(data, Mapping):
        out = {}
        for k, v in data.items():
            if isinstance(v, str) and is_sensitive_key(str(k)) and not is_env_reference(v):
                out[k] = REDACTED
            else:
                out[k] = redact_mapping(v)
        return out
    if isinstance(data, (list, tuple)):
        return [redact_mapping(v) for v in data]
    return data


class Redactor:
    """Process-wide registry of secret values to scrub from text."""

    MIN_LEN = 6  # shorter values would scrub ordinary words

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._names: dict[str, str] = {}  # value -> the ${VAR} it came from
        self._lock = threading.Lock()

    def add(self, value: str | None, name: str | None = None) -> None:
        """Remember a secret (``name``: the environment variable it was read from, if any)."""
        if value and len(value) >= self.MIN_LEN and not is_env_reference(value):
            with self._lock:
                self._secrets.add(value)
                if name:
                    self._names.setdefault(value, name)

    def variable_of(self, value: str) -> str | None:
        """The environment variable whose value is exactly ``value`` (for ``os.environ/`` output)."""
        with self._lock:
            return self._names.get(value)

    def holds_secret(self, text: str) -> bool:
        return self.scrub(text) != text

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, REDACTED)
        return text

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._names.clear()


redactor = Redactor()
