"""Name resolution for routing, one rule for the config checks, the plan's preflight and export:
a request can use a model name or an alias, and a wildcard name (``team-*``) matches by pattern
as LiteLLM matches it (``desired.patterns``).
Aliases must not form cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from llmproxy.desired.patterns import is_pattern, pattern_matches


class Names:
    """The names a request can use: model names and aliases (wildcard ones match by pattern).

    ``model_names`` is None when the config leaves deployments alone: then only aliases are
    known and references cannot be checked (everything counts as known).
    """

    def __init__(self, model_names: Iterable[str] | None, aliases: Iterable[str]) -> None:
        self.checkable = model_names is not None
        self.models = set(model_names or ())
        self.aliases = set(aliases)
        self.exact = self.models | self.aliases
        self.patterns = [n for n in self.exact if is_pattern(n)]

    def known(self, name: str) -> bool:
        if not self.checkable or name in self.exact:
            return True
        return any(pattern_matches(pattern, name) for pattern in self.patterns)


def alias_cycles(aliases: Mapping[str, str]) -> list[list[str]]:
    """Each alias cycle once, in the order found: ``[["a", "b"]]`` for a -> b -> a."""
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in aliases:
        chain = [start]
        while chain[-1] in aliases and aliases[chain[-1]] not in chain:
            chain.append(aliases[chain[-1]])
        if chain[-1] in aliases:  # the next step closes a loop
            loop = chain[chain.index(aliases[chain[-1]]):]
            if not done.intersection(loop):
                done.update(loop)
                loops.append(loop)
    return loops
