"""Validated ``teams`` / ``users`` -> ``desired.access`` records, with the rules across them.

* A team member is listed once per team.
* A user's ``teams`` must name teams declared in ``teams`` (did-you-mean otherwise); the user
  becomes a member (role ``user``) of each, unless the team lists them itself (its role wins).
  Membership is then held in one place, the team, and diffed there.

Model names are checked later, against the desired *and* the live state
(``plan.access_refs``): a team may name a model that only LiteLLM's own config file serves.
"""

from __future__ import annotations

import re

from llmproxy.config.access import EMAIL_PATTERN, TeamConfig, UserConfig
from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema import ConfigFile
from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired.access import Team, TeamMember, User
from llmproxy.errors import ConfigIssue

_EMAIL = re.compile(EMAIL_PATTERN)


class AccessCompiler:
    def __init__(self, file_for: FileFor) -> None:
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    def members(self, alias: str, team: TeamConfig) -> list[TeamMember] | None:
        if team.members is None:
            return None
        out: dict[str, TeamMember] = {}
        for index, entry in enumerate(team.members):
            member = TeamMember(entry, "user") if isinstance(entry, str) else \
                TeamMember(entry.email, entry.role or "user")
            if member.email in out:
                self.issue(f"{member.email!r} is listed twice in team {alias!r}", ("teams", alias, "members", index))
                continue
            out[member.email] = member
        return list(out.values())

    def team(self, alias: str, team: TeamConfig, joined: list[str]) -> Team:
        members = self.members(alias, team)
        if joined:
            listed = {m.email for m in members or ()}
            members = [*(members or ()), *(TeamMember(email) for email in joined if email not in listed)]
        return Team(alias=alias, models=tuple(team.models) if team.models is not None else None,
                    max_budget=team.max_budget, budget_duration=team.budget_duration,
                    rpm_limit=team.rpm_limit, tpm_limit=team.tpm_limit,
                    members=tuple(members) if members is not None else None,
                    metadata=dict(team.metadata or {}), source=format_path(("teams", alias)))

    def user(self, email: str, user: UserConfig, declared: list[str] | None) -> User:
        if not _EMAIL.match(email):
            self.issue(f"users are keyed by email: {email!r} is not an email address", ("users", email))
        for index, alias in enumerate(user.teams or ()):
            path = ("users", email, "teams", index)
            if declared is None:
                self.issue(f"user {email!r} names team {alias!r}, but the config has no \"teams\" section: "
                           "team membership is managed on declared teams", path)
            elif alias not in declared:
                self.issue(f"team {alias!r} is not declared in \"teams\"{did_you_mean(alias, declared)}", path)
        return User(email=email, role=user.role, max_budget=user.max_budget, budget_duration=user.budget_duration,
                    models=tuple(user.models) if user.models is not None else None,
                    teams=tuple(dict.fromkeys(user.teams or ())), source=format_path(("users", email)))


def compile_access(config: ConfigFile, file_for: FileFor
                   ) -> tuple[tuple[Team, ...] | None, tuple[User, ...] | None, list[ConfigIssue]]:
    """Teams and users (None where the config omits the section), and the problems found."""
    compiler = AccessCompiler(file_for)
    teams_in = config.teams.entries() if config.teams is not None else []
    declared = [alias for alias, _ in teams_in] if config.teams is not None else None
    users = [compiler.user(email, user, declared)
             for email, user in (config.users.entries() if config.users is not None else [])]
    joined: dict[str, list[str]] = {}
    for user in users:
        for alias in user.teams:
            joined.setdefault(alias, []).append(user.email)
    teams = [compiler.team(alias, team, joined.get(alias, [])) for alias, team in teams_in]
    return (tuple(teams) if config.teams is not None else None,
            tuple(users) if config.users is not None else None, compiler.issues)

