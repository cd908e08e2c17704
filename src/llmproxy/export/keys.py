"""Export of virtual keys: the ``keys`` section that describes LiteLLM's keys as they are (never a
secret: a key is named by its alias), so that a plan of the exported config only adopts them.

Left out, with a note: keys of other owners, keys without an alias (a config names keys by
alias), a second key with the same alias. A key's ``duration`` cannot be read back (LiteLLM keeps
only the expiry date) and is not exported: the exported key keeps its expiry. A user without an
email or a team without an alias cannot be named, so the key is exported without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.access import EMAIL_PATTERN
from llmproxy.export.by_name import export_by_name
from llmproxy.keys.durations import DURATION_PATTERN
from llmproxy.live.keys import LiveKey
from llmproxy.live.model import LiveState

_EMAIL = re.compile(EMAIL_PATTERN)
_DURATION = re.compile(DURATION_PATTERN)


@dataclass
class KeysExport:
    keys: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _key(k: LiveKey, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if k.user_email and _EMAIL.match(k.user_email):
        out["user"] = k.user_email
    elif k.user_id:
        notes.append(f"key {k.alias!r}: its user {k.user_id!r} has no email, so the key is exported without "
                     "\"user\" (it keeps its user)")
    if k.team:
        out["team"] = k.team
    elif k.team_id:
        notes.append(f"key {k.alias!r}: its team {k.team_id!r} has no alias, so the key is exported without "
                     "\"team\" (it keeps its team)")
    if k.models:
        out["models"] = list(k.models)
    for name in ("max_budget", "budget_duration", "rpm_limit", "tpm_limit"):
        value = getattr(k, name)
        if value is None:
            continue
        if name == "budget_duration" and not _DURATION.match(value):
            notes.append(f"key {k.alias!r}: budget_duration {value!r} is not a duration llmproxy accepts; left out")
            continue
        out[name] = value
    if k.metadata:
        out["metadata"] = dict(k.metadata)
    return out


def export_keys(live: LiveState, owner: str) -> KeysExport:
    result = KeysExport()
    result.keys, foreign = export_by_name(
        live.keys, owner, result.notes, noun="key", name=lambda k: k.alias,
        export=lambda k: _key(k, result.notes), label=lambda k: k.key,
        duplicate=lambda k: f"key alias {k.alias!r} is used twice; exported one, the key with hash "
                            f"{k.token[:12]} stays as it is")
    if foreign:
        result.notes.append(f"left out {len(foreign)} key(s) of other owners: {', '.join(foreign[:5])}")
    return result
