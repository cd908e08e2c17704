"""The settings of a key (models, budget, limits, expiry, metadata, team), validated up front.

Each setting is either unset (``None``: use the default / leave it alone), a value, or ``CLEAR``
(``--max-budget none``, ``--duration never``: no limit). Values come from flags (strings) or the
config's ``keys`` defaults section (JSON values); both go through the same checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from llmproxy.errors import LLMProxyError
from llmproxy.keys.durations import parse_duration


class _Clear:
    """Marker: remove this limit (send ``null`` on update; leave it out on create)."""

    def __repr__(self) -> str:
        return "CLEAR"


CLEAR = _Clear()
NO_LIMIT_WORDS = frozenset({"none", "unlimited"})
NO_EXPIRY_WORDS = frozenset({"never", "none"})


def _is_no(value: object, words: frozenset[str]) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in words)


def parse_budget(value: object, what: str = "max budget") -> float | _Clear:
    """US dollars, a non-negative finite number (``$`` allowed), or none/unlimited."""
    if _is_no(value, NO_LIMIT_WORDS):
        return CLEAR
    if isinstance(value, bool):
        raise LLMProxyError(f"invalid {what} {value!r}: expected an amount in USD such as 10 or 2.50")
    text = str(value).strip().removeprefix("$")
    try:
        amount = float(text)
    except ValueError:
        raise LLMProxyError(f"invalid {what} {value!r}: expected an amount in USD such as 10 or 2.50, "
                            "or 'none' for no budget") from None
    if not math.isfinite(amount) or amount < 0:
        raise LLMProxyError(f"invalid {what} {value!r}: must be a finite amount of at least 0")
    return amount


MAX_LIMIT = 2**63 - 1


def parse_limit(value: object, what: str) -> int | _Clear:
    """A whole number >= 0 (requests or tokens per minute), or none/unlimited."""
    if _is_no(value, NO_LIMIT_WORDS):
        return CLEAR
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise LLMProxyError(f"invalid {what} {value!r}: expected a whole number such as 100")
    try:
        number = int(str(value).strip().replace("_", "")) if not isinstance(value, (int, float)) else int(value)
    except ValueError:
        raise LLMProxyError(f"invalid {what} {value!r}: expected a whole number such as 100, "
                            "or 'none' for no limit") from None
    if number < 0:
        raise LLMProxyError(f"invalid {what} {value!r}: must be at least 0 (or 'none' for no limit)")
    if number > MAX_LIMIT:  # LiteLLM stores limits as 64-bit integers and fails (HTTP 500) past that
        raise LLMProxyError(f"invalid {what} {value!r}: at most {MAX_LIMIT} (or 'none' for no limit)")
    return number


def parse_budget_duration(value: object, what: str = "budget duration") -> str | _Clear:
    """How often the budget resets (``30d``, ``1mo``...), or none (never resets)."""
    if _is_no(value, NO_LIMIT_WORDS | {"never"}):
        return CLEAR
    return parse_duration(str(value), what)


def parse_expiry(value: object, what: str = "duration") -> str | _Clear:
    """How long the key stays valid from now (``90d``...), or never."""
    if _is_no(value, NO_EXPIRY_WORDS):
        return CLEAR
    return parse_duration(str(value), what)


def parse_models(values: Iterable[object], what: str = "models") -> tuple[str, ...]:
    """Comma-separated and/or repeated model names; an empty value means all models."""
    if isinstance(values, str):
        values = [values]
    models: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise LLMProxyError(f"invalid {what} {value!r}: expected model names")
        models += [m.strip() for m in value.split(",") if m.strip()]
    return tuple(dict.fromkeys(models))


def parse_metadata(items: Iterable[str] | Mapping[str, Any], what: str = "metadata") -> dict[str, Any]:
    """``k=v`` pairs (repeatable) or, from the config, an object."""
    if isinstance(items, Mapping):
        return dict(items)
    out: dict[str, Any] = {}
    for item in items:
        key, sep, val = str(item).partition("=")
        if not sep or not key.strip():
            raise LLMProxyError(f"invalid {what} {item!r}: expected key=value")
        out[key.strip()] = val
    return out


def parse_alias(value: str, what: str = "alias") -> str:
    alias = value.strip()
    if not alias:
        raise LLMProxyError(f"invalid {what}: must not be empty")
    if len(alias) > 255 or any(ord(c) < 32 for c in alias) or alias in ("..", ".") or "../" in alias:
        raise LLMProxyError(f"invalid {what} {value!r}: at most 255 printable characters, no '..' path parts")
    return alias


@dataclass(frozen=True)
class KeySettings:
    """What a key is allowed to do. ``None`` = unset; ``CLEAR`` = explicitly no limit."""

    models: tuple[str, ...] | None = None  # () = all models
    max_budget: float | _Clear | None = None
    budget_duration: str | _Clear | None = None
    rpm_limit: int | _Clear | None = None
    tpm_limit: int | _Clear | None = None
    duration: str | _Clear | None = None
    metadata: dict[str, Any] | None = None
    team_id: str | None = None

    @classmethod
    def parse(cls, *, models: Iterable[object] | None = None, max_budget: object = None,
              budget_duration: object = None, rpm_limit: object = None, tpm_limit: object = None,
              duration: object = None, metadata: Iterable[str] | Mapping[str, Any] | None = None,
              team_id: object = None, prefix: str = "") -> KeySettings:
        """Validate raw values; ``None`` stays unset. ``prefix`` names the source in messages."""

        def opt(value: object, parse: Any, name: str) -> Any:
            return None if value is None else parse(value, f"{prefix}{name}")

        team = None
        if team_id is not None:
            if not isinstance(team_id, str) or not team_id.strip():
                raise LLMProxyError(f"invalid {prefix}team id {team_id!r}: expected a team id")
            team = team_id.strip()
        return cls(
            models=opt(models, parse_models, "models"),
            max_budget=opt(max_budget, parse_budget, "max budget"),
            budget_duration=opt(budget_duration, parse_budget_duration, "budget duration"),
            rpm_limit=opt(rpm_limit, parse_limit, "rpm limit"),
            tpm_limit=opt(tpm_limit, parse_limit, "tpm limit"),
            duration=opt(duration, parse_expiry, "duration"),
            metadata=opt(metadata, parse_metadata, "metadata"),
            team_id=team,
        )

    @classmethod
    def from_defaults(cls, defaults: Mapping[str, Any], prefix: str = "config keys.") -> KeySettings:
        """Limits from the config (``prefix`` names their place in messages); unknown fields are an
        error (a typo would be silently ignored)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(defaults) - known)
        if unknown:
            raise LLMProxyError(f"{prefix.rstrip('.')}: unknown field(s) {', '.join(unknown)}",
                                hint=f"known fields: {', '.join(sorted(known))}")
        metadata = defaults.get("metadata")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise LLMProxyError(f"invalid {prefix}metadata: expected an object")
        return cls.parse(**dict(defaults), prefix=prefix)

    def over(self, defaults: KeySettings,
             origins: Mapping[str, str] | None = None) -> tuple[KeySettings, dict[str, str]]:
        """These settings with unset fields taken from ``defaults``; and where each came from
        ("flag", "config + flags", else ``origins``' entry for a default, "config" without one)."""
        origins = origins or {}
        merged: dict[str, Any] = {}
        source: dict[str, str] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(defaults, f.name)
            if f.name == "metadata" and mine is not None and theirs:
                merged[f.name] = {**theirs, **mine}
                source[f.name] = "config + flags"
            elif mine is not None:
                merged[f.name] = mine
                source[f.name] = "flag"
            elif theirs is not None:
                merged[f.name] = theirs
                source[f.name] = origins.get(f.name, "config")
        return replace(self, **merged), source

    def generate_body(self) -> dict[str, Any]:
        """Fields for ``/key/generate``: cleared and unset limits are simply left out."""
        body: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value is CLEAR or value == () or value == {}:
                continue
            body[f.name] = list(value) if isinstance(value, tuple) else value
        return body

    def update_body(self, current_metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Fields for ``/key/update`` (a merge patch): ``CLEAR`` → null, ``()`` → all models.

        LiteLLM replaces ``metadata`` wholesale, so given pairs are merged into the current metadata.
        """
        body: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if value is CLEAR:
                body[f.name] = None
            elif f.name == "metadata":
                body[f.name] = {**(current_metadata or {}), **value}
            else:
                body[f.name] = list(value) if isinstance(value, tuple) else value
        return body

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))
