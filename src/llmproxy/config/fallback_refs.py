"""The successor scripts' shorthands in ``fallbacks``, expanded before validation.

* ``$interface/`` in a source expands the rule once per interface of the config
  (``{"$interface/primary": ["$interface/secondary"]}`` -> ``anthropic/primary -> anthropic/secondary``,
  ``openai/primary -> openai/secondary``); in a target it takes the source's interface.
* ``$base`` in a target list stands for the targets the same source has in the fallbacks this
  list replaces: the list as merged from the layers before the one that wrote it (config.json's
  when config.local.json writes it), after their own ``$interface/`` expansion.

Refused, where the successor would keep a literal or drop silently: ``$interface/`` in a target
of a source that names no interface, ``$base`` where no earlier layer has a rule for the source.
Expanded rules keep their place in the list (``fallbacks[i]`` holds every rule made from entry i).
"""

from __future__ import annotations

from typing import Any

from llmproxy.config.layers import Layers
from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema_providers import INTERFACES
from llmproxy.errors import ConfigIssue

IFACE = "$interface/"
BASE = "$base"
FALLBACKS = "fallbacks"


def config_interfaces(providers: Any) -> list[str]:
    """Interfaces enabled by some provider of the ($extend-resolved) document, sorted."""
    found: set[str] = set()
    for provider in (providers or {}).values() if isinstance(providers, dict) else ():
        interfaces = provider.get("interfaces") if isinstance(provider, dict) else None
        if isinstance(interfaces, dict):
            found.update(k for k in interfaces if k in INTERFACES)
    return sorted(found)


def _uses_shorthand(entry: Any) -> bool:
    return isinstance(entry, dict) and any(
        IFACE in key or (isinstance(v, list) and any(isinstance(t, str) and (t == BASE or t.startswith(IFACE))
                                                    for t in v))
        for key, v in entry.items())


class _Expander:
    def __init__(self, interfaces: list[str], file_for: FileFor) -> None:
        self.interfaces = interfaces
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    def entry(self, entry: dict[str, Any], path: JsonPath) -> dict[str, Any]:
        """One entry with ``$interface/`` expanded: ``{source: targets}`` per single source."""
        out: dict[str, Any] = {}
        for key, targets in entry.items():
            if not isinstance(targets, list):
                out[key] = targets  # the schema reports it
                continue
            for source in (part.strip() for part in key.split(",")):
                if source.startswith(IFACE):
                    if not self.interfaces:
                        self.issue(f"{source!r} expands once per interface, but no provider has interfaces",
                                   (*path, key))
                    pairs: list[tuple[str, str | None]] = [(f"{i}/{source[len(IFACE):]}", i)
                                                           for i in self.interfaces]
                else:
                    pairs = [(source, next((i for i in self.interfaces if source.startswith(f"{i}/")), None))]
                for name, iface in pairs:
                    out[name] = self.targets(targets, name, iface, (*path, key))
        return out

    def targets(self, targets: list[Any], source: str, iface: str | None, path: JsonPath) -> list[Any]:
        out = []
        for index, target in enumerate(targets):
            if isinstance(target, str) and target.startswith(IFACE):
                if iface is None:
                    self.issue(f"fallback target {target!r} takes its interface from the source, but {source!r} "
                               "names no interface", (*path, index))
                    continue
                target = f"{iface}/{target[len(IFACE):]}"
            out.append(target)
        return out

    def expand(self, fallbacks: list[Any], section: JsonPath) -> list[Any]:
        return [self.entry(e, (*section, i)) if _uses_shorthand(e) else e for i, e in enumerate(fallbacks)]


def _rules(fallbacks: list[Any]) -> dict[str, list[Any]]:
    """Source -> targets of an expanded list (comma-separated sources split)."""
    out: dict[str, list[Any]] = {}
    for entry in fallbacks:
        for key, targets in entry.items() if isinstance(entry, dict) else ():
            for source in (part.strip() for part in key.split(",")):
                if isinstance(targets, list):
                    out.setdefault(source, targets)
    return out


def expand_fallbacks(document: dict[str, Any], layers: Layers) -> list[ConfigIssue]:
    """Expand ``$interface/`` and ``$base`` in ``document["fallbacks"]`` in place."""
    fallbacks = document.get(FALLBACKS)
    if not isinstance(fallbacks, list) or not any(_uses_shorthand(e) for e in fallbacks):
        return []
    expander = _Expander(config_interfaces(document.get("providers")), layers.file_for)
    expanded = expander.expand(fallbacks, (FALLBACKS,))
    if any(BASE in (t for t in v if isinstance(v, list)) for e in expanded if isinstance(e, dict)
           for v in e.values()):
        previous, winner = layers.replaced_list(FALLBACKS)
        base = _rules(expander.expand(previous, (FALLBACKS,)) if isinstance(previous, list) else [])
        for index, entry in enumerate(expanded):
            if not isinstance(entry, dict):
                continue
            for source, targets in entry.items():
                if not isinstance(targets, list) or BASE not in targets:
                    continue
                if source not in base:
                    where = "no earlier config layer has fallbacks" if previous is None else \
                        f"the fallbacks it replaces have no rule for {source!r}"
                    expander.issue(f"'$base' in the fallbacks of {source!r}: {where}"
                                   f"{'' if winner is None else f' (written in {winner.path})'}",
                                   (FALLBACKS, index, source))
                entry[source] = [t for target in targets for t in (base.get(source, []) if target == BASE
                                                                    else [target])]
    document[FALLBACKS] = expanded
    return expander.issues
