"""The ownership marker llmproxy stores inside LiteLLM, and secret fingerprints.

Every object llmproxy writes carries ``{"llmproxy": {...}}`` in its ``model_info`` (deployments),
``credential_info`` (credentials) or ``metadata`` (teams, users). It names the owner (the config's
``owner``), the fields llmproxy set (so a field later removed from the config can be removed from
LiteLLM too), a keyed fingerprint of the secret fields (LiteLLM only ever returns secrets masked or
not at all), and who applied it when. It never contains any part of a secret.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from llmproxy.desired.model import canonical_json
from llmproxy.redaction import is_sensitive_key, masked_by_litellm

MARKER_KEY = "llmproxy"
#: Marker fields that change on every write and never count as drift.
AUDIT_FIELDS = ("applied_by", "applied_at")


#: ``LLMPROXY_ACTOR`` from the process environment or the .env file, once the CLI has read it.
configured_actor: list[str] = []


def actor() -> str:
    """Who is applying: ``LLMPROXY_ACTOR`` (e.g. the CI job), else ``llmproxy:<user>`` — never the
    operator's host name, which the marker would otherwise publish to everyone who reads LiteLLM."""
    explicit = os.environ.get("LLMPROXY_ACTOR") or (configured_actor[-1] if configured_actor else None)
    if explicit:
        return explicit[:128]
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        user = "unknown"
    return f"llmproxy:{user}"[:128]


#: The fingerprint key without ``LLMPROXY_FINGERPRINT_KEY``: fixed, so that neither rotating
#: LiteLLM's master key nor planning with another admin key changes any fingerprint.
DEFAULT_FINGERPRINT_KEY = "llmproxy-fingerprint-v1"


class Fingerprinter:
    """HMAC-SHA256 over the secret fields of an object.

    The key is ``LLMPROXY_FINGERPRINT_KEY`` (process environment or .env) when set, else a fixed
    constant — never the admin key, so a master-key rotation or another admin key leaves every
    fingerprint (and ``plan``) unchanged. With the constant, the stored fingerprint is a salted
    hash: someone who can read LiteLLM's tables could test guesses of a secret against it (not
    feasible for random provider keys); set ``LLMPROXY_FINGERPRINT_KEY`` to a secret value to rule
    that out. (Changing the key makes every secret look changed once; llmproxy then re-sends
    them, which is harmless.)
    """

    def __init__(self, key: str = DEFAULT_FINGERPRINT_KEY) -> None:
        self._key = key.encode()

    def of(self, field: str, value: Any) -> str:
        mac = hmac.new(self._key, canonical_json([field, value]).encode(), hashlib.sha256)
        return "hmac-sha256:" + mac.hexdigest()[:32]

    def all(self, values: Mapping[str, Any]) -> dict[str, str]:
        """Fingerprints of the secret fields of ``values`` (``os.environ/`` references included:
        LiteLLM masks them too)."""
        return {k: self.of(k, v) for k, v in secret_fields(values).items()}


def is_secret_name(name: str) -> bool:
    """Secret for llmproxy, or masked by LiteLLM on read: either way only a fingerprint compares."""
    return is_sensitive_key(name) or masked_by_litellm(name)


def secret_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The secret values of ``values`` by path: top-level fields (``api_key``) and values nested in
    mappings (``extra_headers.Authorization``), which LiteLLM masks on read just the same."""
    out: dict[str, Any] = {}

    def walk(value: Mapping[str, Any], prefix: str) -> None:
        for k, v in value.items():
            path = f"{prefix}{k}"
            if isinstance(v, str) and is_secret_name(str(k)):
                out[path] = v
            elif isinstance(v, Mapping):
                walk(v, path + ".")

    walk(values, "")
    return out


@dataclass(frozen=True)
class Marker:
    owner: str
    fields: tuple[str, ...] = ()  # litellm_params keys (deployment) / credential_values keys (credential) /
    # the fields set on a team or user
    info_fields: tuple[str, ...] = ()  # model_info keys (deployment) / metadata keys (team, user)
    secrets: Mapping[str, str] | None = None  # secret field -> fingerprint
    applied_by: str | None = None
    applied_at: str | None = None
    #: The id of the deployment this one replaces (a replace creates first, deletes after): if
    #: the run stopped in between, the next sync recognises the old one and finishes the replace.
    replaces: str | None = None
    #: Team members llmproxy added (emails): only those are removed when the config drops them.
    members: tuple[str, ...] = ()

    @classmethod
    def parse(cls, info: Mapping[str, Any] | None) -> Marker | None:
        raw = (info or {}).get(MARKER_KEY)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("owner"), str):
            return None

        def names(key: str) -> tuple[str, ...]:
            value = raw.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        secrets = raw.get("secrets")
        secrets = {str(k): str(v) for k, v in secrets.items()} if isinstance(secrets, Mapping) else None
        return cls(owner=raw["owner"], fields=names("fields"), info_fields=names("info_fields"),
                   secrets=secrets,
                   applied_by=raw.get("applied_by"), applied_at=raw.get("applied_at"),
                   replaces=str(raw["replaces"]) if isinstance(raw.get("replaces"), str) else None,
                   members=names("members"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"owner": self.owner, "fields": list(self.fields)}
        if self.info_fields:
            out["info_fields"] = list(self.info_fields)
        if self.secrets:
            out["secrets"] = dict(self.secrets)
        out["applied_by"] = self.applied_by or actor()
        out["applied_at"] = self.applied_at or datetime.now(UTC).isoformat(timespec="seconds")
        if self.replaces:
            out["replaces"] = self.replaces
        if self.members:
            out["members"] = list(self.members)
        return out


class Owned(Protocol):
    """A live object that may carry llmproxy's ownership marker (a team, a user, a key)."""

    @property
    def marker(self) -> Marker | None: ...
