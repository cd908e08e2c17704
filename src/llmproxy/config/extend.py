"""Provider inheritance: ``"$extend": "other"`` deep-merges this provider over ``other``.

Chains resolve in any order; the child wins. A cycle or an unknown target is an error naming the
chain. ``"$extend": null`` (typically in config.local.json) removes inheritance.
"""

from __future__ import annotations

from typing import Any

from llmproxy.config.merge import merge
from llmproxy.config.paths import FileFor, format_path
from llmproxy.errors import ConfigIssue

EXTEND = "$extend"


def _chain(names: list[str]) -> str:
    return " -> ".join(names)


def resolve_extends(providers: dict[str, Any], file_for: FileFor
                    ) -> tuple[dict[str, Any], list[ConfigIssue]]:
    """Providers with inheritance applied (``$extend`` removed), in their original order.

    Providers whose chain is broken are left out of the result; the issues say why.
    """
    resolved: dict[str, dict[str, Any]] = {}
    broken: set[str] = set()
    issues: list[ConfigIssue] = []

    def parent_of(name: str) -> str | None:
        parent = providers[name].get(EXTEND)
        return parent if isinstance(parent, str) else None

    def report(name: str, message: str) -> None:
        path = ("providers", name, EXTEND)
        issues.append(ConfigIssue(message, format_path(path), file_for(path)))

    for name in providers:
        # Walk up to the first resolved (or root) ancestor, then resolve back down.
        chain = [name]
        while True:
            current = chain[-1]
            if current in resolved or current in broken:
                break
            parent = parent_of(current)
            if parent is None:
                break
            if parent in chain:
                cycle = [*chain[chain.index(parent):], parent]
                report(parent, f"$extend cycle: {_chain(cycle)}")
                broken.update(chain)
                break
            if parent not in providers:
                report(current, f"$extend target {parent!r} is not a provider "
                                f"(chain: {_chain([*chain, parent])})")
                broken.update(chain)
                break
            chain.append(parent)
        if name in broken:
            continue
        if chain[-1] in broken:
            # An ancestor is broken; its own issue explains why.
            broken.update(chain)
            continue
        for current in reversed(chain):
            if current in resolved:
                continue
            own = {k: v for k, v in providers[current].items() if k != EXTEND}
            parent = parent_of(current)
            resolved[current] = merge(resolved[parent], own) if parent is not None else own
    return {name: resolved[name] for name in providers if name in resolved}, issues
