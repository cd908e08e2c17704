"""Aliases and fallbacks compiled into what stock LiteLLM (1.106) routes.

* **Chains.** LiteLLM resolves ``model_group_alias`` one level (``router_utils/common_utils.py``
  ``resolve_model_group_alias``), so every alias is pushed pointing at its final model group.
* **Wildcard aliases.** ``model_group_alias`` is looked up by exact name: ``claude-opus-*`` there
  never matches ``claude-opus-4-7``. What LiteLLM does match by pattern is a deployment whose
  ``model_name`` contains ``*``. A wildcard alias therefore becomes one *pattern deployment* per
  deployment of its target group: the same ``litellm_params`` (upstream model, credential, key)
  and ``model_info`` (pricing model, tier...) under the pattern as ``model_name``, but **without
  access groups**: LiteLLM (open source) refuses to mint or update a key for an access group that
  holds a pattern deployment ("only available for LiteLLM Enterprise users",
  ``key_management_endpoints._check_model_access_group``), so mirroring them would make those
  groups unusable for keys. A key reaches wildcard names by listing the pattern itself in its
  ``models``. They are deployments like the others: owned, diffed, pruned.
* **Fallbacks** are pushed as written: LiteLLM calls the router with a fallback target, which
  resolves one alias level (enough once aliases point at their final group) or a pattern
  deployment; it looks a rule up by the requested name and by the routed deployment's group.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.paths import FileFor, format_path
from llmproxy.desired.model import Deployment, FallbackRule
from llmproxy.desired.patterns import first_match, is_pattern
from llmproxy.errors import ConfigIssue


class Resolver:
    """Follows a name to the model group LiteLLM serves it from, in LiteLLM's order: an exact
    alias, an exact model name, then the most specific pattern (wildcard aliases and deployments
    whose name contains ``*`` compete, as they do in LiteLLM once the aliases are compiled).
    A name matched by a pattern *deployment* is final (LiteLLM routes it as it is).

    ``models`` None: the config leaves deployments alone, so any non-alias name is final.
    """

    def __init__(self, models: set[str] | None, aliases: Mapping[str, str]) -> None:
        self.models = models
        self.exact = {k: v for k, v in aliases.items() if not is_pattern(k)}
        self.wildcards = {k: v for k, v in aliases.items() if is_pattern(k)}
        self.patterns = [*self.wildcards, *(m for m in models or () if is_pattern(m) and m not in self.wildcards)]

    def resolve(self, name: str) -> str | None:
        seen: set[str] = set()
        while name not in seen:
            seen.add(name)
            if name in self.exact:
                name = self.exact[name]
            elif self.models is None or name in self.models:
                return name
            elif (pattern := first_match(self.patterns, name)) is None:
                return None
            elif pattern in self.wildcards:
                name = self.wildcards[pattern]
            else:
                return name
        return None  # a loop (through a wildcard: plain cycles are reported by the reference check)

    def loops_through_wildcard(self, name: str) -> bool:
        """``resolve`` gives None for a name the reference check accepts, and not because of a
        plain alias cycle (which the reference check reports itself)."""
        seen: set[str] = set()
        while name in self.exact and name not in seen:
            seen.add(name)
            name = self.exact[name]
        if name in seen:
            return False
        return first_match(self.patterns, name) is not None


@dataclass
class CompiledRouting:
    aliases: dict[str, str] | None
    fallbacks: list[FallbackRule] | None
    pattern_deployments: list[Deployment] = field(default_factory=list)
    issues: list[ConfigIssue] = field(default_factory=list)


def compile_routing(deployments: tuple[Deployment, ...] | None, aliases: dict[str, str] | None,
                    fallbacks: list[FallbackRule] | None, file_for: FileFor) -> CompiledRouting:
    """What to push for ``aliases`` and ``fallbacks`` (as checked by ``check_references``)."""
    models = {d.model_name for d in deployments} if deployments is not None else None
    resolver = Resolver(models, aliases or {})
    out = CompiledRouting(None, None)

    def issue(message: str, alias: str) -> None:
        path = ("aliases", alias)
        out.issues.append(ConfigIssue(message, format_path(path), file_for(path)))

    if aliases is not None:
        out.aliases = {}
        for alias, target in aliases.items():
            if is_pattern(alias) and deployments is None:
                issue(f"wildcard alias {alias!r} needs the config's deployments (providers or models): "
                      "LiteLLM matches wildcards only against deployment names, so llmproxy turns it "
                      "into deployments that mirror its target", alias)
                continue
            group = resolver.resolve(target)
            if group is None:
                if models is not None and resolver.loops_through_wildcard(target):
                    issue(f"alias {alias!r} → {target!r} never reaches a model (it loops through "
                          "a wildcard alias)", alias)
                continue  # an unknown target is reported by the reference check
            if not is_pattern(alias):
                out.aliases[alias] = group
                continue
            group_deployments = [d for d in deployments or () if d.model_name == group]
            if not group_deployments:
                issue(f"wildcard alias {alias!r} → {target!r} reaches {group!r} only through the "
                      "pattern deployment of that name; point it at a model name", alias)
            out.pattern_deployments += [
                Deployment(alias, d.litellm_params, {k: v for k, v in d.model_info.items() if k != "access_groups"},
                           source=format_path(("aliases", alias)))
                for d in group_deployments]
    out.fallbacks = fallbacks
    return out


def duplicate_issues(patterns: list[Deployment], deployments: tuple[Deployment, ...] | None,
                     file_for: FileFor) -> list[ConfigIssue]:
    """A pattern deployment that is also written out in the config (e.g. a literal model)."""
    existing = {d.identity: d for d in deployments or ()}
    issues = []
    for d in patterns:
        if d.identity in existing:
            path = ("aliases", d.model_name)
            issues.append(ConfigIssue(f"wildcard alias {d.model_name!r} makes the deployment {d.identity}, "
                                      f"which {existing[d.identity].source} defines too", format_path(path),
                                      file_for(path)))
    return issues


def hide_aliases(aliases: dict[str, str] | None, hidden: Collection[str]) -> dict[str, str | dict[str, Any]] | None:
    """The aliases to push, those in ``hidden`` in LiteLLM's hidden form ``{"model": ..., "hidden": true}``
    (served by name, left out of ``/v1/models`` and the model group info: router.py
    ``_get_all_deployments`` / ``get_model_group_info``)."""
    if aliases is None:
        return None
    return {a: {"model": t, "hidden": True} if a in hidden else t for a, t in aliases.items()}
