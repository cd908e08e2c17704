"""Plain records of what LiteLLM holds. Built by ``reader``; read by the planner."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import DeploymentFields, canonical_json
from llmproxy.live.access import LiveTeam, LiveUser
from llmproxy.live.keys import LiveKey
from llmproxy.live.marker import MARKER_KEY, Marker


@dataclass(frozen=True)
class LiveCredential:
    name: str
    values: Mapping[str, Any]  # secret fields come back masked: never compare or send them
    info: Mapping[str, Any]  # without the marker
    marker: Marker | None
    source: str = "db"  # "db" or "config" (config-file credentials cannot be edited)

    @property
    def read_only(self) -> bool:
        return self.source != "db"


@dataclass(frozen=True)
class LiveDeployment(DeploymentFields):
    id: str
    model_name: str
    litellm_params: Mapping[str, Any]  # decrypted; secret fields removed or masked by LiteLLM
    model_info: Mapping[str, Any]  # enriched from LiteLLM's cost map; without the marker
    marker: Marker | None
    db_model: bool  # False: loaded from LiteLLM's config.yaml, read-only through the API

    @property
    def read_only(self) -> bool:
        return not self.db_model


@dataclass(frozen=True)
class LiveGuardrail:
    """A guardrail as ``GET /v2/guardrails/list`` shows it."""

    id: str
    name: str
    litellm_params: Mapping[str, Any]  # secret fields masked; server defaults filled in; nulls dropped
    info: Mapping[str, Any]  # guardrail_info without the marker
    marker: Marker | None
    source: str = "db"  # "db" or "config" (LiteLLM's config file: read-only through the API)

    @property
    def read_only(self) -> bool:
        return self.source != "db"


@dataclass(frozen=True)
class LiveRouter:
    """``router_settings`` as LiteLLM reports them (``GET /router/settings``)."""

    values: Mapping[str, Any]  # current_values
    defaults: Mapping[str, Any] = field(default_factory=dict)  # field_name -> field_default
    #: key -> where its value comes from: "config" (LiteLLM's config.yaml: read-only through the
    #: API, ``/config/update`` answers 400), "db", "env", "default" or "unset".
    sources: Mapping[str, str] = field(default_factory=dict)

    def read_only(self, key: str) -> bool:
        """A top-level router key set in LiteLLM's own config file: never written by llmproxy."""
        return self.sources.get(key) == "config"

    @property
    def aliases(self) -> dict[str, Any]:
        value = self.values.get("model_group_alias")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def fallbacks(self) -> list[tuple[str, list[str]]]:
        """Fallback rules as ``(source, targets)`` in LiteLLM's order."""
        out: list[tuple[str, list[str]]] = []
        for rule in self.values.get("fallbacks") or []:
            if isinstance(rule, Mapping):
                for source, targets in rule.items():
                    out.append((str(source), [str(t) for t in targets or []]))
        return out


@dataclass(frozen=True)
class Ledger:
    """Which entries of each ledger kind an owner manages (router settings carry no per-entry
    metadata), e.g. ``Ledger({"aliases": frozenset({"fast"})})``.

    Stored in LiteLLM as the ``credential_info`` of a value-less credential named
    ``llmproxy-state.<owner>``: see ``live.ledger``.
    """

    by_kind: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: kind -> entry -> digest of the value this owner last wrote (``value_digest``). An entry
    #: without one was recorded by an older llmproxy.
    digests: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def entries(self, kind: str) -> frozenset[str]:
        return self.by_kind.get(kind, frozenset())

    def digest(self, kind: str, key: str) -> str | None:
        return self.digests.get(kind, {}).get(key)

    def claimed_digests(self) -> dict[str, dict[str, str]]:
        return {k: {e: d for e, d in v.items() if e in self.entries(k)} for k, v in self.digests.items()
                if any(e in self.entries(k) for e in v)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        kinds = set(self.by_kind) | set(other.by_kind)
        same_entries = all(self.entries(k) == other.entries(k) for k in kinds)
        return same_entries and self.claimed_digests() == other.claimed_digests()

    def __hash__(self) -> int:
        return hash(frozenset((k, v) for k, v in self.by_kind.items() if v))


def value_digest(value: Any) -> str:
    """A short digest of a router entry's value, as recorded in the ledger."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LiveState:
    credentials: Mapping[str, LiveCredential]
    deployments: tuple[LiveDeployment, ...]
    router: LiveRouter
    ledgers: Mapping[str, Ledger]  # owner -> ledger (all owners, to recognise foreign entries)
    keys: tuple[LiveKey, ...] = ()  # virtual keys (llmproxy.live.keys)
    team_names: Mapping[str, str] = field(default_factory=dict)  # team_id -> team alias
    #: Read only when asked for (``litellm.read.read_live(extras=...)``): None = not read.
    guardrails: Mapping[str, LiveGuardrail] | None = None
    public_model_groups: tuple[str, ...] | None = None  # the public model hub, in LiteLLM's order
    teams: tuple[LiveTeam, ...] = ()  # live.access
    users: tuple[LiveUser, ...] = ()

    def ledger(self, owner: str) -> Ledger:
        return self.ledgers.get(owner, Ledger())

    def model_names(self) -> set[str]:
        return {d.model_name for d in self.deployments}


def alias_target(value: Any) -> Any:
    """LiteLLM accepts ``"target"`` or ``{"model": "target", "hidden": bool}`` as an alias value."""
    if isinstance(value, Mapping) and "model" in value:
        return value["model"] if not value.get("hidden") else dict(value)
    return value


def strip_marker(info: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (info or {}).items() if k != MARKER_KEY}
