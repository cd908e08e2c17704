"""Typed, immutable resources that make up the desired state.

This module is the contract between the config compiler (files -> desired state) and the planner
(desired state + live state -> plan). Nothing here knows about files or HTTP.

``None`` for a section means "omitted in the config: leave that part of LiteLLM alone"; an empty
tuple / mapping means "there should be none".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from llmproxy.desired.access import Team, User
    from llmproxy.desired.keys import DesiredKey, KeyPolicy


def freeze(value: Any) -> Any:
    """Deep read-only copy of JSON-like data (dicts -> MappingProxyType, lists -> tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain JSON-serialisable copy of frozen data."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(thaw(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: The owner of a config that names none.
DEFAULT_OWNER = "llmproxy"


@dataclass(frozen=True)
class Credential:
    """A LiteLLM credential (``POST /credentials``). Identity: ``name``."""

    name: str
    values: Mapping[str, Any]  # e.g. {"api_key": ..., "api_base": ...}; may hold secrets
    info: Mapping[str, Any]  # e.g. {"custom_llm_provider": "Anthropic"}
    source: str = ""  # JSON path it was resolved from, for messages

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", freeze(self.values))
        object.__setattr__(self, "info", freeze(self.info))

    @property
    def identity(self) -> str:
        return self.name


class DeploymentIdentity(NamedTuple):
    """What makes a deployment the same deployment: model group, upstream model, credential."""

    model_name: str
    model: str
    credential: str | None

    def __str__(self) -> str:
        via = f" via {self.credential}" if self.credential else ""
        return f"{self.model_name} ({self.model}{via})"


class DeploymentFields:
    """Identity of a deployment, shared by the desired and the live record."""

    model_name: str
    litellm_params: Mapping[str, Any]

    @property
    def model(self) -> str:
        return str(self.litellm_params.get("model", ""))

    @property
    def credential(self) -> str | None:
        cred = self.litellm_params.get("litellm_credential_name")
        return str(cred) if cred else None

    @property
    def identity(self) -> DeploymentIdentity:
        return DeploymentIdentity(self.model_name, self.model, self.credential)


@dataclass(frozen=True)
class Deployment(DeploymentFields):
    """A LiteLLM model deployment (``POST /model/new``)."""

    model_name: str
    litellm_params: Mapping[str, Any]  # always has "model"
    model_info: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    #: The model list URL this deployment was discovered at ("" if the config lists it).
    discovered_from: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "litellm_params", freeze(self.litellm_params))
        object.__setattr__(self, "model_info", freeze(self.model_info))

    def content_id(self, owner: str) -> str:
        """A deterministic ``model_info.id`` for creating this deployment.

        It hashes the owner, the identity and the content, so re-sending the same create after a
        lost response cannot make a second copy (LiteLLM refuses a duplicate id), and a
        replacement (same identity, new content) gets an id of its own.
        """
        digest = hashlib.sha256(
            canonical_json([owner, list(self.identity), self.litellm_params, self.model_info]).encode()
        ).hexdigest()
        return f"llmproxy-{digest[:24]}"


@dataclass(frozen=True)
class FallbackRule:
    """``{source: [targets...]}``: when ``source`` fails, try ``targets`` in order."""

    source: str
    targets: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))


@dataclass(frozen=True)
class Guardrail:
    """A guardrail stored in LiteLLM's database (``POST /guardrails``). Identity: ``name``."""

    name: str
    litellm_params: Mapping[str, Any]  # always has "guardrail" and "mode"; may hold secrets
    info: Mapping[str, Any] = field(default_factory=dict)  # guardrail_info
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "litellm_params", freeze(self.litellm_params))
        object.__setattr__(self, "info", freeze(self.info))


@dataclass(frozen=True)
class DesiredState:
    """Everything the config says LiteLLM should hold for this ``owner``."""

    owner: str = DEFAULT_OWNER
    credentials: tuple[Credential, ...] | None = None
    deployments: tuple[Deployment, ...] | None = None
    aliases: Mapping[str, Any] | None = None  # model_group_alias: a target, or {"model": ..., "hidden": true}
    fallbacks: tuple[FallbackRule, ...] | None = None  # router_settings.fallbacks
    router_settings: Mapping[str, Any] | None = None  # other router keys
    keys: tuple[DesiredKey, ...] | None = None  # virtual keys (llmproxy.desired.keys)
    key_policy: KeyPolicy | None = None
    guardrails: tuple[Guardrail, ...] | None = None
    public_model_groups: tuple[str, ...] | None = None  # the public model hub
    teams: tuple[Team, ...] | None = None  # desired.access
    users: tuple[User, ...] | None = None

    def __post_init__(self) -> None:
        if self.credentials is not None:
            object.__setattr__(self, "credentials", tuple(self.credentials))
        if self.deployments is not None:
            object.__setattr__(self, "deployments", tuple(self.deployments))
        if self.fallbacks is not None:
            object.__setattr__(self, "fallbacks", tuple(self.fallbacks))
        if self.aliases is not None:
            object.__setattr__(self, "aliases", freeze(self.aliases))
        if self.router_settings is not None:
            object.__setattr__(self, "router_settings", freeze(self.router_settings))
        if self.keys is not None:
            object.__setattr__(self, "keys", tuple(self.keys))
        if self.guardrails is not None:
            object.__setattr__(self, "guardrails", tuple(self.guardrails))
        if self.public_model_groups is not None:
            object.__setattr__(self, "public_model_groups", tuple(self.public_model_groups))
        for name in ("teams", "users"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple(getattr(self, name)))

    def model_names(self) -> set[str]:
        return {d.model_name for d in self.deployments or ()}

    def summary(self) -> str:
        def n(x: Any, word: str) -> str:
            return f"{len(x) if x is not None else 0} {word}"

        return ", ".join([
            n(self.credentials, "credentials"),
            n(self.deployments, "models"),
            n(self.aliases, "aliases"),
            n(self.fallbacks, "fallback rules"),
            *([n(self.teams, "teams")] if self.teams is not None else []),
            *([n(self.users, "users")] if self.users is not None else []),
            *([n(self.keys, "keys")] if self.keys is not None else []),
            *([n(self.guardrails, "guardrails")] if self.guardrails else []),
            *([n(self.public_model_groups, "public model groups")] if self.public_model_groups else []),
        ])

    def to_json(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The desired state as LiteLLM request bodies (what ``render`` prints)."""
        from llmproxy.redaction import redact_mapping

        def maybe(x: Any) -> Any:
            return thaw(x) if show_secrets else redact_mapping(thaw(x))

        out: dict[str, Any] = {"owner": self.owner}
        if self.credentials is not None:
            out["credentials"] = [
                {"credential_name": c.name, "credential_values": maybe(c.values),
                 "credential_info": thaw(c.info)}
                for c in self.credentials
            ]
        if self.deployments is not None:
            out["models"] = [
                {"model_name": d.model_name, "litellm_params": maybe(d.litellm_params),
                 "model_info": thaw(d.model_info)}
                for d in self.deployments
            ]
        if self.aliases is not None:
            out["aliases"] = thaw(self.aliases)
        if self.fallbacks is not None:
            out["fallbacks"] = [{f.source: list(f.targets)} for f in self.fallbacks]
        if self.router_settings is not None:
            out["router_settings"] = thaw(self.router_settings)
        if self.keys is not None:
            out["keys"] = {k.alias: {**({"user": k.user} if k.user else {}), **({"team": k.team} if k.team else {}),
                                     **k.limits()} for k in self.keys}
        if self.guardrails is not None:
            out["guardrails"] = [{"guardrail_name": g.name, "litellm_params": maybe(g.litellm_params),
                                  "guardrail_info": thaw(g.info)} for g in self.guardrails]
        if self.public_model_groups is not None:
            out["public_model_groups"] = list(self.public_model_groups)
        if self.teams is not None:
            out["teams"] = [t.to_json() for t in self.teams]
        if self.users is not None:
            out["users"] = [u.to_json() for u in self.users]
        return out
