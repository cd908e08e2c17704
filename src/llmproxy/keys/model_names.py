"""Is a name given to ``keys create/update --models`` something LiteLLM can route for the key?

A key's ``models`` may name a model group, a ``model_group_alias`` entry, an access group
(``model_info.access_groups``) or one of LiteLLM's special values; anything else makes a key that
works for nothing (LiteLLM accepts it without a word). Names are read from the live proxy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired.patterns import is_pattern, pattern_matches
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.read import parse_deployment, parse_router

#: ``litellm/proxy/_types.py`` SpecialModelNames, and the "*" every-model wildcard.
SPECIAL = frozenset({"all-proxy-models", "all-team-models", "no-default-models", "*"})


@dataclass(frozen=True)
class KnownNames:
    models: frozenset[str]
    aliases: frozenset[str]
    access_groups: frozenset[str]

    def knows(self, name: str) -> bool:
        if name in SPECIAL or name in self.models or name in self.aliases or name in self.access_groups:
            return True
        if is_pattern(name):  # a wildcard the key may use, e.g. "anthropic/*"
            return any(pattern_matches(name, m) for m in self.models | self.aliases)
        return any(is_pattern(m) and pattern_matches(m, name) for m in self.models)

    def problem(self, name: str) -> str | None:
        if self.knows(name):
            return None
        every = sorted(self.models | self.aliases | self.access_groups)
        return f"{name!r} is no model, alias or access group in LiteLLM{did_you_mean(name, every)}"


def read_known_names(client: LiteLLMClient) -> KnownNames:
    deployments = [parse_deployment(m) for m in client.get_all_models()]
    router = parse_router(client.get_router_settings())
    groups = {str(g) for d in deployments for g in (d.model_info.get("access_groups") or ())
              if isinstance(d.model_info.get("access_groups"), (list, tuple))}
    return KnownNames(frozenset(d.model_name for d in deployments), frozenset(router.aliases), frozenset(groups))


def unknown_models(client: LiteLLMClient, names: Iterable[str]) -> list[str]:
    """One message per name LiteLLM would not route for a key (none when ``names`` is empty)."""
    names = list(names)
    if not names:
        return []
    known = read_known_names(client)
    return [p for p in (known.problem(n) for n in names) if p]
