"""Export of teams and users: the ``teams`` and ``users`` sections that describe LiteLLM's as they
are, so that a plan of the exported config only adopts them.

Left out, with a note: objects of other owners, teams without an alias and users without an
email (a config names them by those), a second team with the same alias, and values the config
language cannot hold (a malformed email or duration). Members without an email (LiteLLM adds
the creating admin, ``default_user_id``, to every team it creates) are not listed: llmproxy
leaves members it does not list alone. Membership is written on the teams only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.access import EMAIL_PATTERN
from llmproxy.desired.access import LIMIT_FIELDS
from llmproxy.export.by_name import export_by_name
from llmproxy.keys.durations import DURATION_PATTERN
from llmproxy.live.access import LiveTeam, LiveUser
from llmproxy.live.model import LiveState

_EMAIL = re.compile(EMAIL_PATTERN)
_DURATION = re.compile(DURATION_PATTERN)


@dataclass
class AccessExport:
    teams: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _limits(settings: dict[str, Any] | Any, where: str, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in LIMIT_FIELDS:
        value = settings.get(k)
        if value is None:
            continue
        if k == "budget_duration" and not (isinstance(value, str) and _DURATION.match(value)):
            notes.append(f"{where}: budget_duration {value!r} is not a duration llmproxy accepts; left out")
            continue
        out[k] = value
    return out


def _team(team: LiveTeam, notes: list[str]) -> dict[str, Any]:
    where = f"team {team.alias!r}"
    out: dict[str, Any] = {}
    if team.settings.get("models"):
        out["models"] = list(team.settings["models"])
    out.update(_limits(dict(team.settings), where, notes))
    members: list[Any] = []
    for m in team.members:
        if m.email and _EMAIL.match(m.email):
            members.append(m.email if m.role == "user" else {"email": m.email, "role": m.role})
        elif m.email:
            notes.append(f"{where}: member {m.email!r} is not an email address llmproxy accepts; left out")
    if members:
        out["members"] = members
    if team.metadata:
        out["metadata"] = dict(team.metadata)
    return out


def _user(user: LiveUser, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if user.settings.get("user_role"):
        out["role"] = user.settings["user_role"]
    if user.settings.get("models"):
        out["models"] = list(user.settings["models"])
    limits = _limits(dict(user.settings), f"user {user.email!r}", notes)
    out.update({k: v for k, v in limits.items() if k in ("max_budget", "budget_duration")})
    return out


def export_access(live: LiveState, owner: str) -> AccessExport:
    result = AccessExport()
    result.teams, foreign = export_by_name(
        live.teams, owner, result.notes, noun="team", name=lambda t: t.alias,
        export=lambda t: _team(t, result.notes), label=lambda t: f"team {t.alias or t.team_id}",
        duplicate=lambda t: f"team alias {t.alias!r} is used twice; exported one, the team with id "
                            f"{t.team_id} stays as it is (a config names one team per alias)")
    for user in live.users:
        if user.marker and user.marker.owner != owner:
            foreign.append(f"user {user.email or user.user_id} ({user.marker.owner})")
        elif user.email and _EMAIL.match(user.email) and user.email.lower() not in {e.lower() for e in result.users}:
            result.users[user.email] = _user(user, result.notes)
    if foreign:
        result.notes.append(f"left out {len(foreign)} team(s)/user(s) of other owners: {', '.join(foreign[:5])}")
    return result
