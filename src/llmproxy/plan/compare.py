"""Normalisation and field-level comparison rules shared by the per-kind differs.

The rule that keeps plans free of perpetual diffs: compare only what llmproxy sets (plus what it
set before, from its marker), treat server-added defaults and server-generated fields (the
target's ``Capabilities``) as absent, and never compare secrets with what the server shows (masked
or removed) — compare fingerprints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from llmproxy.desired.model import thaw
from llmproxy.plan.model import FieldChange
from llmproxy.redaction import is_sensitive_key


def same(a: Any, b: Any) -> bool:
    """JSON equality where 1 == 1.0 but True != 1, recursively."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def is_default_value(value: Any) -> bool:
    return value is None or value is False or value == [] or value == {}


def diff_fields(prefix: str, desired: Mapping[str, Any], live: Mapping[str, Any], *,
                fingerprints: Mapping[str, str], stored: Mapping[str, str] | None) -> list[FieldChange]:
    """Changes needed so that ``live`` holds every field of ``desired``.

    Secret fields (by name) are compared through ``fingerprints`` (of the desired values) against
    ``stored`` (from the marker). Without a stored fingerprint a secret cannot be verified and
    counts as changed.
    """
    out: list[FieldChange] = []
    for key, want in desired.items():
        path = f"{prefix}.{key}"
        if key in fingerprints:
            if not stored or stored.get(key) != fingerprints[key]:
                out.append(FieldChange(path, sensitive=True))
            continue
        nested = sorted(p for p in fingerprints if p.startswith(f"{key}."))
        if nested and isinstance(want, Mapping):
            out += _diff_with_secrets(prefix, key, want, live, nested, fingerprints, stored)
            continue
        if key not in live:
            out.append(FieldChange(path, after=thaw(want), absent_before=True))
        elif not same(thaw(want), live[key]):
            out.append(FieldChange(path, before=live[key], after=thaw(want)))
    return out


def _without(value: Any, paths: Iterable[tuple[str, ...]]) -> Any:
    """``value`` (a mapping) without the leaves at ``paths``."""
    out = thaw(value) if not isinstance(value, dict) else dict(value)
    for parts in paths:
        node = out
        for part in parts[:-1]:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, Mapping):
                break
            node[part] = child = dict(child)
            node = child
        else:
            if isinstance(node, dict):
                node.pop(parts[-1], None)
    return out


def _diff_with_secrets(prefix: str, key: str, want: Mapping[str, Any], live: Mapping[str, Any],
                       nested: list[str], fingerprints: Mapping[str, str],
                       stored: Mapping[str, str] | None) -> list[FieldChange]:
    """A mapping holding secrets (``extra_headers.Authorization``): LiteLLM shows those masked, so
    they compare through fingerprints and everything else in the mapping literally."""
    out: list[FieldChange] = []
    leaves = [tuple(p.split(".")[1:]) for p in nested]
    plain_want = _without(thaw(want), leaves)
    if key not in live:
        out.append(FieldChange(f"{prefix}.{key}", after=plain_want, absent_before=True))
    else:
        have = live[key]
        plain_have = _without(have, leaves) if isinstance(have, Mapping) else have
        if not same(plain_want, plain_have):
            out.append(FieldChange(f"{prefix}.{key}", before=plain_have, after=plain_want))
    for p in nested:
        if not stored or stored.get(p) != fingerprints[p]:
            out.append(FieldChange(f"{prefix}.{p}", sensitive=True))
    return out


def removed_fields(prefix: str, desired: Mapping[str, Any], live: Mapping[str, Any], *,
                   previously_set: Iterable[str], ignore: frozenset[str] = frozenset(),
                   extras_count: bool = True) -> list[FieldChange]:
    """Fields LiteLLM holds (or that llmproxy set before) that the config no longer has."""
    out: dict[str, FieldChange] = {}
    for key in previously_set:
        if key not in desired and key not in ignore:
            sensitive = is_sensitive_key(key)
            if key in live or sensitive:  # secrets are hidden on read: trust the marker
                out[key] = FieldChange(f"{prefix}.{key}", before=None if sensitive else live.get(key),
                                       sensitive=sensitive, absent_after=True)
    if extras_count:
        for key, value in live.items():
            if key in desired or key in ignore or key in out or is_default_value(value):
                continue
            sensitive = is_sensitive_key(key)
            out[key] = FieldChange(f"{prefix}.{key}", before=None if sensitive else value,
                                   sensitive=sensitive, absent_after=True)
    return [out[k] for k in sorted(out)]
