"""Do a declared key's references resolve? Every name in its ``models`` must be a model, an alias
or an access group of the config or of LiteLLM (``plan.access_refs``: the same rule as teams and
users), and its ``team`` a team of the config or of LiteLLM. Each problem names the JSON path it
comes from (the key's, or the key_policy entry that gave the key its models), with a did-you-mean."""

from __future__ import annotations

from collections.abc import Iterable

from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired.keys import DesiredKey
from llmproxy.desired.model import DesiredState
from llmproxy.live.model import LiveState
from llmproxy.plan.access_refs import GrantableNames, broken_model_references
from llmproxy.plan.model import Finding


def team_names(desired: DesiredState, live: LiveState) -> set[str]:
    return {t.alias for t in desired.teams or ()} | {t.alias for t in live.teams if t.alias} \
        | set(live.team_names.values())


def _models_source(key: DesiredKey) -> str:
    where = key.sources.get("models", "keys")
    return key.source if where == "keys" else where.split(" ")[0]


def key_reference_problems(keys: Iterable[DesiredKey], desired: DesiredState, live: LiveState) -> list[Finding]:
    keys = list(keys)
    out = broken_model_references("keys", [(k.alias, _models_source(k), k.models) for k in keys],
                                  GrantableNames(desired, live))
    teams = team_names(desired, live)
    for key in keys:
        if key.team and key.team not in teams:
            out.append(Finding("keys", key.alias, "broken_reference",
                               f"{key.source}.team: no team {key.team!r} in the config or in LiteLLM"
                               f"{did_you_mean(key.team, sorted(teams))}", "broken_reference"))
    return out
