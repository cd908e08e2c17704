"""Aliases, fallbacks and router settings as the config's ``aliases``, ``fallbacks`` and
``router_settings`` sections.

Aliases of aliases are kept, with a note: LiteLLM resolves one level, so they never worked, and
the plan of the exported config shows them pointed at the final model group.

Left out, each with a note: entries another owner's ledger lists; wildcard aliases (LiteLLM looks
``model_group_alias`` up by exact name, so they never matched); aliases and fallbacks that refer to a name
the exported config does not define (e.g. a model from LiteLLM's own config.yaml: the config
language checks every reference); router keys that are LiteLLM's defaults (``source`` is
``default`` / ``unset``, or the value equals ``field_default``), that the config's
``router_settings`` section does not accept, or that hold a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from llmproxy.config.schema import RouterSettings
from llmproxy.desired.model import thaw
from llmproxy.desired.names import Names, alias_cycles
from llmproxy.desired.patterns import is_pattern
from llmproxy.kinds.router_entries import foreign_owner
from llmproxy.live.model import LiveState, alias_target
from llmproxy.plan.compare import same
from llmproxy.redaction import is_env_reference, is_sensitive_key

#: Router keys the config's router_settings section accepts (aliases and fallbacks have their own).
ROUTER_KEYS = tuple(k for k in RouterSettings.model_fields if k != "delete")
_FALLBACK_KEYS = ("context_window_fallbacks", "content_policy_fallbacks")


@dataclass
class RouterExport:
    aliases: dict[str, str] = field(default_factory=dict)
    #: Aliases LiteLLM hides (``{"model": ..., "hidden": true}``), written in that form.
    hidden: set[str] = field(default_factory=set)
    fallbacks: list[dict[str, list[str]]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _has_secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any((isinstance(v, str) and is_sensitive_key(str(k)) and not is_env_reference(v))
                   or _has_secret(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


class _Exporter:
    def __init__(self, live: LiveState, sources: Mapping[str, str], owner: str, model_names: set[str]) -> None:
        self.live = live
        self.sources = sources
        self.owner = owner
        self.model_names = model_names
        self.out = RouterExport()

    def note(self, text: str) -> None:
        self.out.notes.append(text)

    def foreign(self, kind: str, key: str) -> str | None:
        return foreign_owner(self.live, self.owner, kind, key)

    def names(self) -> Names:
        return Names(self.model_names, self.out.aliases)

    # -- aliases --------------------------------------------------------------------------------
    def aliases(self) -> None:
        aliases: dict[str, str] = {}
        for alias, value in self.live.router.aliases.items():
            target = alias_target(value)
            if isinstance(target, Mapping) and isinstance(target.get("model"), str) and not is_pattern(alias):
                self.out.hidden.add(alias)
                target = target["model"]
            if owner := self.foreign("aliases", alias):
                self.note(f"alias {alias!r} belongs to owner {owner!r}; left out")
            elif not isinstance(target, str) or not target:
                self.note(f"alias {alias!r} has no target ({value!r}); left out")
            elif alias in self.model_names:
                self.note(f"alias {alias!r} has the name of a model; left out")
            elif is_pattern(alias):
                self.note(f"alias {alias!r} is a wildcard in model_group_alias, where LiteLLM looks names "
                          "up exactly, so it never matched; left out (a wildcard alias in the config "
                          "becomes pattern deployments that do match)")
            else:
                aliases[alias] = target
        for alias, target in aliases.items():
            if target in aliases:
                self.note(f"alias {alias!r} points to the alias {target!r}; LiteLLM resolves one level, so "
                          "it never reached a model: kept as written, and sync will point it at the "
                          "final model group (the plan shows that update)")
        self.out.aliases = aliases
        while True:  # dropping an alias can leave another one pointing nowhere
            names = self.names()
            broken = [a for a, t in aliases.items() if not names.known(t)]
            if not broken:
                break
            for alias in broken:
                self.note(f"alias {alias!r} points to {aliases.pop(alias)!r}, which the exported config "
                          "does not define (e.g. a config-file model); left out")
        for loop in alias_cycles(aliases):
            for alias in loop:
                aliases.pop(alias, None)
            self.note("alias cycle " + " -> ".join([*loop, loop[0]]) + "; left out")

    # -- fallbacks ------------------------------------------------------------------------------
    def fallbacks(self) -> None:
        names = self.names()
        groups: dict[tuple[str, ...], list[str]] = {}
        seen: set[str] = set()
        for source, targets in self.live.router.fallbacks:
            why = self._fallback_problem(source, targets, seen, names)
            seen.add(source)
            if why:
                self.note(f"fallback rule for {source!r}: {why}; left out")
                continue
            groups.setdefault(tuple(targets), []).append(source)
        self.out.fallbacks = [{",".join(sources): list(targets)} for targets, sources in groups.items()]

    def _fallback_problem(self, source: str, targets: list[str], seen: set[str], names: Names) -> str:
        if source in seen:
            return "a second rule for the same model (LiteLLM uses the first)"
        if owner := self.foreign("fallbacks", source):
            return f"belongs to owner {owner!r}"
        if "," in source or source != source.strip() or not source:
            return "the model name cannot be written as a fallback key"
        if not targets or source in targets:
            return "no targets, or it falls back to itself"
        unknown = [n for n in [source, *targets] if not names.known(n)]
        if unknown:
            return f"{', '.join(map(repr, unknown))} is not defined by the exported config"
        return ""

    # -- other router keys ----------------------------------------------------------------------
    def settings(self) -> None:
        values, defaults = self.live.router.values, self.live.router.defaults
        for key in ROUTER_KEYS:
            value = values.get(key)
            if value is None or self.sources.get(key) in ("default", "unset"):
                continue
            if key in defaults and same(value, defaults[key]):
                continue
            why = self._setting_problem(key, thaw(value))
            if why:
                self.note(f"router setting {key}: {why}; left out")
            else:
                self.out.settings[key] = thaw(value)

    def _setting_problem(self, key: str, value: Any) -> str:
        if owner := self.foreign("router_settings", key):
            return f"belongs to owner {owner!r}"
        if _has_secret(value):
            return "it holds a secret"
        try:
            parsed = RouterSettings.model_validate({key: value}).model_dump(exclude_none=True, by_alias=True)
        except ValidationError as exc:
            return f"the config's router_settings cannot hold {value!r} ({exc.errors()[0]['msg']})"
        if not same(parsed.get(key), value):
            return f"the config's router_settings cannot hold {value!r} exactly"
        if key in _FALLBACK_KEYS:
            names = self.names()
            unknown = [n for rule in value for s, ts in rule.items() for n in [s, *ts] if not names.known(n)]
            if unknown:
                return f"{', '.join(map(repr, unknown))} is not defined by the exported config"
        return ""


def export_router(live: LiveState, sources: Mapping[str, str], owner: str, model_names: set[str]) -> RouterExport:
    exporter = _Exporter(live, sources, owner, model_names)
    exporter.aliases()
    exporter.fallbacks()
    exporter.settings()
    return exporter.out
