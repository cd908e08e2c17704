"""Do a declared key's references resolve? Every name in its ``models`` must be a model, an alias
or an access group of the config or of LiteLLM (a key limited to a name LiteLLM does not route
works for nothing, and LiteLLM accepts it without a word); its ``team`` must be a team of the
config or of LiteLLM. Each problem names the JSON path it comes from, with a did-you-mean."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired.keys import DesiredKey
from llmproxy.desired.model import Deployment, DesiredState
from llmproxy.keys.model_names import KnownNames
from llmproxy.live.model import LiveState
from llmproxy.plan.model import Finding


def _groups(deployments: Iterable[Any]) -> set[str]:
    out: set[str] = set()
    for d in deployments:
        groups = d.model_info.get("access_groups")
        if isinstance(groups, (list, tuple)):
            out |= {str(g) for g in groups}
    return out


def known_names(desired: DesiredState, live: LiveState) -> KnownNames:
    deployments: list[Deployment] = list(desired.deployments or ())
    return KnownNames(
        models=frozenset(desired.model_names() | live.model_names()),
        aliases=frozenset(set(desired.aliases or {}) | set(live.router.aliases)),
        access_groups=frozenset(_groups(deployments) | _groups(live.deployments)))


def team_names(desired: DesiredState, live: LiveState) -> set[str]:
    return {t.alias for t in desired.teams or ()} | {t.alias for t in live.teams if t.alias} \
        | set(live.team_names.values())


def key_reference_problems(keys: Iterable[DesiredKey], desired: DesiredState, live: LiveState) -> list[Finding]:
    known = known_names(desired, live)
    teams = team_names(desired, live)
    every = sorted(known.models | known.aliases | known.access_groups)
    out: list[Finding] = []
    for key in keys:
        where = key.sources.get("models", "keys")
        path = f"{key.source}.models" if where == "keys" else f"{where.split(' ')[0]}.models (for key {key.alias!r})"
        for name in key.models or ():
            if not known.knows(name):
                out.append(Finding("keys", key.alias, "broken_reference",
                                   f"{path}: {name!r} is no model, alias or access group in the config or in "
                                   f"LiteLLM{did_you_mean(name, every)}; the key could not use it", "broken_reference"))
        if key.team and key.team not in teams:
            out.append(Finding("keys", key.alias, "broken_reference",
                               f"{key.source}.team: no team {key.team!r} in the config or in LiteLLM"
                               f"{did_you_mean(key.team, sorted(teams))}", "broken_reference"))
    return out
