"""Desired virtual keys and the key policy, as plain records (no files, no HTTP).

A key's limits come from, in order of precedence: the key's own fields in ``keys``, then the
``key_policy`` overrides whose selector matches (later ones win; their multipliers apply to the
policy's value, never to a value the key sets itself), then ``key_policy.defaults``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import freeze, thaw

#: The limits a key can have, in display order (``metadata`` is merged, not replaced).
LIMIT_FIELDS = ("models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit", "duration", "metadata")
MULTIPLIABLE = ("max_budget", "rpm_limit", "tpm_limit")


@dataclass(frozen=True)
class Selector:
    alias: str | None = None
    user: str | None = None
    team: str | None = None

    def matches(self, alias: str, user: str | None, team: str | None) -> bool:
        def ok(pattern: str | None, value: str | None) -> bool:
            return pattern is None or (value is not None and fnmatch.fnmatchcase(value.lower(), pattern.lower()))

        return ok(self.alias, alias) and ok(self.user, user) and ok(self.team, team)


@dataclass(frozen=True)
class Override:
    match: Selector
    values: Mapping[str, Any] = field(default_factory=dict)  # limit field -> value
    multiply: Mapping[str, float] = field(default_factory=dict)
    source: str = ""  # "key_policy.overrides[0]"


@dataclass(frozen=True)
class KeyPolicy:
    """``key_policy``: defaults, overrides, and whether it also covers keys llmproxy does not own."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    apply_to: str = "managed"  # or "all"

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", freeze(self.defaults))
        object.__setattr__(self, "overrides", tuple(self.overrides))

    def resolve(self, alias: str, user: str | None, team: str | None,
                own: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
        """The limits of one key and where each came from (field -> "keys" / a policy path)."""
        values: dict[str, Any] = {k: thaw(v) for k, v in self.defaults.items()}
        sources = dict.fromkeys(values, "key_policy.defaults")
        factors: dict[str, float] = {}
        for o in self.overrides:
            if not o.match.matches(alias, user, team):
                continue
            for k, v in o.values.items():
                values[k] = {**values.get("metadata", {}), **thaw(v)} if k == "metadata" else thaw(v)
                sources[k] = o.source
            for k, f in o.multiply.items():
                factors[k] = factors.get(k, 1.0) * f
        for k, f in factors.items():
            if values.get(k) is not None:
                values[k] = round(values[k] * f, 6) if k == "max_budget" else int(values[k] * f)
                sources[k] = f"{sources[k]} * {f:g}"
        for k, v in (own or {}).items():
            if v is None:
                continue
            if k == "metadata" and values.get("metadata"):
                values[k] = {**values["metadata"], **thaw(v)}
                sources[k] = "keys + key_policy"
            else:
                values[k] = thaw(v)
                sources[k] = "keys"
        return values, sources


@dataclass(frozen=True)
class DesiredKey:
    """A virtual key (``/key/generate``). Identity: ``alias``. A field that is None is not managed."""

    alias: str
    user: str | None = None  # email
    team: str | None = None  # team name (LiteLLM team_alias)
    models: tuple[str, ...] | None = None
    max_budget: float | None = None
    budget_duration: str | None = None
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    duration: str | None = None
    metadata: Mapping[str, Any] | None = None
    source: str = ""  # JSON path: keys.<alias>
    #: field -> where its value came from ("keys", "key_policy.defaults", ...), for plans and errors
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Not a declared key: the policy enforced on a key llmproxy does not own (apply_to "all").
    enforce_only: bool = False

    def __post_init__(self) -> None:
        if self.models is not None:
            object.__setattr__(self, "models", tuple(self.models))
        if self.metadata is not None:
            object.__setattr__(self, "metadata", freeze(self.metadata))
        object.__setattr__(self, "sources", freeze(self.sources))

    @property
    def identity(self) -> str:
        return self.alias

    def limits(self) -> dict[str, Any]:
        """The managed limit fields (set ones only), JSON values."""
        out: dict[str, Any] = {}
        for name in LIMIT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else thaw(value)
        return out


def build_key(alias: str, user: str | None, team: str | None, values: Mapping[str, Any],
              sources: Mapping[str, str], source: str) -> DesiredKey:
    models = values.get("models")
    return DesiredKey(
        alias=alias, user=user, team=team,
        models=tuple(dict.fromkeys(models)) if models is not None else None,
        max_budget=float(values["max_budget"]) if values.get("max_budget") is not None else None,
        budget_duration=values.get("budget_duration"),
        rpm_limit=values.get("rpm_limit"), tpm_limit=values.get("tpm_limit"),
        duration=values.get("duration"), metadata=values.get("metadata"),
        source=source, sources=sources)
