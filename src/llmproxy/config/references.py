"""Aliases and fallbacks: every name must resolve to a model name or an alias; no alias cycles."""

from __future__ import annotations

from collections.abc import Mapping

from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema import ConfigFile
from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired import names
from llmproxy.desired.model import Deployment, FallbackRule
from llmproxy.desired.patterns import is_pattern
from llmproxy.errors import ConfigIssue


class Names(names.Names):
    """``desired.names.Names`` with a "did you mean" for messages."""

    def hint(self, name: str) -> str:
        return did_you_mean(name, sorted(self.exact))


class ReferenceChecker:
    def __init__(self, names: Names, file_for: FileFor) -> None:
        self.names = names
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    def aliases(self, aliases: Mapping[str, str]) -> None:
        for alias, target in aliases.items():
            path = ("aliases", alias)
            if alias in self.names.models:
                self.issue(f"alias {alias!r} has the name of a model; it would hide that model", path)
            if not self.names.known(target):
                self.issue(f"alias {alias!r} points to {target!r}, which is not a model name or an alias"
                           f"{self.names.hint(target)}", path)
        for loop in names.alias_cycles(aliases):
            self.issue("alias cycle: " + " -> ".join([*loop, loop[0]]), ("aliases", loop[0]))

    def rule(self, sources: list[str], targets: list[str], path: JsonPath) -> None:
        for source in sources:
            if is_pattern(source) and source != "*":
                self.issue(f"fallback source {source!r} is a wildcard: LiteLLM looks fallback rules up by the "
                           "exact requested name (only \"*\" alone means every model), so it would never "
                           "fire; key the rule by the names clients send", path)
            elif source != "*" and not self.names.known(source):
                self.issue(f"fallback source {source!r} is not a model name or an alias{self.names.hint(source)}",
                           path)
        if not targets:
            self.issue(f"fallback for {', '.join(map(repr, sources))} has no targets", path)
        for index, target in enumerate(targets):
            if target in sources:
                self.issue(f"{target!r} falls back to itself", (*path, index))
            elif not self.names.known(target):
                self.issue(f"fallback target {target!r} is not a model name or an alias{self.names.hint(target)}",
                           (*path, index))

    def fallbacks(self, entries: list[dict[str, list[str]]], section: JsonPath = ("fallbacks",),
                  split: bool = True) -> list[FallbackRule]:
        """One rule per source name (``"a,b": [...]`` is two rules when ``split``), in file order."""
        rules: list[FallbackRule] = []
        first_seen: dict[str, JsonPath] = {}
        for index, entry in enumerate(entries):
            if not entry:
                self.issue("empty fallback rule", (*section, index))
            for key, targets in entry.items():
                path = (*section, index, key)
                sources = [part.strip() for part in key.split(",")] if split else [key]
                if not all(sources):
                    self.issue(f"empty model name in fallback source {key!r}", path)
                sources = [source for source in sources if source]
                for source in sources:
                    if source in first_seen:
                        self.issue(f"fallback for {source!r} is defined twice "
                                   f"(first at {format_path(first_seen[source])})", path)
                    else:
                        first_seen[source] = path
                        rules.append(FallbackRule(source, tuple(targets)))
                if sources:
                    self.rule(sources, targets, path)
        return rules


def check_references(config: ConfigFile, deployments: tuple[Deployment, ...] | None, file_for: FileFor
                     ) -> tuple[dict[str, str] | None, list[FallbackRule] | None, list[ConfigIssue]]:
    """The aliases and fallback rules of ``config`` (None where omitted), and the problems found."""
    aliases = dict(config.aliases.entries()) if config.aliases is not None else None
    names = Names([d.model_name for d in deployments] if deployments is not None else None, aliases or {})
    checker = ReferenceChecker(names, file_for)
    if aliases is not None:
        checker.aliases(aliases)
    fallbacks = checker.fallbacks(config.fallbacks) if config.fallbacks is not None else None
    router = config.router_settings
    for key in ("context_window_fallbacks", "content_policy_fallbacks"):
        if router is not None and getattr(router, key) is not None:
            checker.fallbacks(getattr(router, key), ("router_settings", key), split=False)
    return aliases, fallbacks, checker.issues
