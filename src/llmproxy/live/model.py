"""Plain records of what LiteLLM holds. Built by ``reader``; read by the planner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import DeploymentFields
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
class LiveRouter:
    """``router_settings`` as LiteLLM reports them (``GET /router/settings``)."""

    values: Mapping[str, Any]  # current_values
    defaults: Mapping[str, Any] = field(default_factory=dict)  # field_name -> field_default

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
    """Which router entries an owner manages (router settings carry no per-entry metadata).

    Stored in LiteLLM as the ``credential_info`` of a value-less credential named
    ``llmproxy-state.<owner>``: see ``live.ledger``.
    """

    aliases: frozenset[str] = frozenset()
    fallbacks: frozenset[str] = frozenset()
    router_settings: frozenset[str] = frozenset()

    def entries(self, kind: str) -> frozenset[str]:
        return {"aliases": self.aliases, "fallbacks": self.fallbacks,
                "router_settings": self.router_settings}[kind]


@dataclass(frozen=True)
class LiveState:
    credentials: Mapping[str, LiveCredential]
    deployments: tuple[LiveDeployment, ...]
    router: LiveRouter
    ledgers: Mapping[str, Ledger]  # owner -> ledger (all owners, to recognise foreign entries)

    def ledger(self, owner: str) -> Ledger:
        return self.ledgers.get(owner, Ledger())

    def model_names(self) -> set[str]:
        return {d.model_name for d in self.deployments}


def strip_marker(info: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (info or {}).items() if k != MARKER_KEY}
