"""Routing preflight: after the planned changes, every alias target and every fallback source and
target must still resolve to a model name or an alias."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from llmproxy.desired.names import Names
from llmproxy.live.model import LiveState, alias_target
from llmproxy.plan.model import Action, Change, Finding


def _after(changes: Iterable[Change], kind: str, live: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(live)
    for c in changes:
        if c.kind != kind:
            continue
        if c.action is Action.DELETE:
            result.pop(c.key, None)
        else:
            result[c.key] = c.desired
    return result


def _model_names_after(changes: Iterable[Change], live: LiveState) -> set[str]:
    gone = {c.have().id for c in changes if c.kind == "models" and c.action is Action.DELETE}
    names = {d.model_name for d in live.deployments if d.id not in gone}
    names |= {c.desired.model_name for c in changes if c.kind == "models" and c.desired is not None}
    return names


def _resolver(models: set[str], aliases: Mapping[str, Any]) -> Callable[[str], bool]:
    return Names(models, aliases).known


def broken_references(changes: Sequence[Change], live: LiveState) -> list[Finding]:
    """References broken after the plan: those the config declares, and those that resolved
    before the plan but not after (pre-existing breakage elsewhere is not ours to block on)."""
    before_ok = _resolver(live.model_names(), live.router.aliases)
    models = _model_names_after(changes, live)
    aliases = _after(changes, "aliases", {k: alias_target(v) for k, v in live.router.aliases.items()})
    fallbacks = _after(changes, "fallbacks", dict(live.router.fallbacks))
    after_ok = _resolver(models, aliases)
    declared = {(c.kind, c.key) for c in changes if c.action is not Action.DELETE}

    broken: list[Finding] = []
    for alias, target in aliases.items():
        target = target.get("model") if isinstance(target, Mapping) else target  # {"hidden": ...} lacks it
        if not after_ok(str(target)) and (("aliases", alias) in declared or before_ok(str(target))):
            broken.append(Finding("aliases", alias, "broken_reference",
                                  f"alias {alias!r} → {target!r}: no model or alias of that name", "broken_reference"))
    for source, targets in fallbacks.items():
        mine = ("fallbacks", source) in declared
        for name in [source, *targets]:
            if name == source == "*":  # LiteLLM's generic rule: every model
                continue
            if not after_ok(name) and (mine or before_ok(name)):
                message = f"fallback rule {source!r}: {name!r} is not a model or alias"
                broken.append(Finding("fallbacks", source, "broken_reference", message, "broken_reference"))
    return broken
