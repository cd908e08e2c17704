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

_SENSITIVE = re.compile(r"auth|token|key|secret|credential|password|passwd|cookie", re.I)
# LiteLLM's own rule (SensitiveDataMasker): a name is masked on read when one of its segments
# (split on "_" and "-") is one of these, unless a segment is "cost".
_LITELLM_MASKED = frozenset(("password", "secret", "key", "token", "auth", "authorization", "cookie",
                             "credential", "credentials", "access", "private", "certificate",
                             "fingerprint", "tenancy"))
# Excluded by LiteLLM's /model/info (remove_sensitive_info_from_deployment).
_LITELLM_UNMASKED = frozenset(("litellm_credential_name", "default_api_key_tpm_limit",
                               "default_api_key_rpm_limit"))
# user:password@ in a URL (scheme://user:password@host).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s\"'<>]*:)(?P<pw>[^/@\s\"'<>,;{}\[\]\\?#]+)(?=@)")
# Fields whose names match the pattern but that are not secrets.
_NOT_SENSITIVE = {"max_tokens", "max_input_tokens", "max_output_tokens", "tpm", "rpm",
                  "key_alias", "key_name", "tpm_limit", "rpm_limit", "litellm_credential_name",
                  "credential_name"}


def is_sensitive_key(name: str) -> bool:
    """A secret by its name (a field, or a header such as ``X-Custom-Auth`` or ``Cookie``)."""
    return name not in _NOT_SENSITIVE and bool(_SENSITIVE.search(name))


def masked_by_litellm(name: str) -> bool:
    """LiteLLM returns this ``litellm_params`` field (at any depth) masked: compare it through a
    fingerprint, never literally."""
    if name in _NOT_SENSITIVE or name in _LITELLM_UNMASKED:
        return False
    segments = name.lower().replace("-", "_").split("_")
    return "cost" not in segments and any(s in _LITELLM_MASKED for s in segments)


def url_passwords(text: str) -> list[str]:
    """The passwords of the URLs in ``text`` (``scheme://user:password@host``)."""
    return [m.group("pw") for m in _URL_PASSWORD.finditer(text)]


def hide_url_passwords(text: str, replacement: str = REDACTED) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group("head") + replacement, text)


def register_secrets(doc: Any, *, under_secret: bool = False, root: bool = True) -> None:
    """Register with the redactor every string value of a secret-bearing field (at any depth, in
    whatever form it was written) and every URL password, so no echo of it can be printed.
    (The config's top-level sections are structure, not fields: "keys" holds key defaults.)"""
    if isinstance(doc, Mapping):
        for k, v in doc.items():
            secret = under_secret or (not root and is_sensitive_key(str(k)))
            register_secrets(v, under_secret=secret, root=False)
    elif isinstance(doc, (list, tuple)):
        for v in doc:
            register_secrets(v, under_secret=under_secret, root=False)
    elif isinstance(doc, str):
        if under_secret and not is_env_reference(doc):
            redactor.add(doc)
        for pw in url_passwords(doc):
            redactor.add(pw)


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
            elif isinstance(v, str):
                out[k] = hide_url_passwords(v)
            else:
                out[k] = redact_mapping(v)
        return out
    if isinstance(data, (list, tuple)):
        return [redact_mapping(v) for v in data]
    if isinstance(data, str):
        return hide_url_passwords(data)
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
        """``text`` without any registered secret, and without URL passwords."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, REDACTED)
        return hide_url_passwords(text)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._names.clear()


redactor = Redactor()
