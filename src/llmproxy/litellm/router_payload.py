"""Compute the router_settings values (and the public model hub list) to send, keeping entries
llmproxy does not manage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llmproxy.desired.model import thaw
from llmproxy.live.model import LiveRouter
from llmproxy.plan.model import Action, Change


def router_payload(live: LiveRouter, changes: Iterable[Change]) -> dict[str, Any]:
    """Top-level router keys to write (each replaces its whole value in LiteLLM)."""
    changes = list(changes)
    payload: dict[str, Any] = {}

    alias_changes = [c for c in changes if c.kind == "aliases" and c.fields]
    if alias_changes:
        aliases = dict(live.aliases)
        for c in alias_changes:
            if c.action is Action.DELETE:
                aliases.pop(c.key, None)
            else:
                aliases[c.key] = thaw(c.desired)
        payload["model_group_alias"] = aliases

    fb_changes = {c.key: c for c in changes if c.kind == "fallbacks" and c.fields}
    if fb_changes:
        rules: list[dict[str, list[str]]] = []
        seen: set[str] = set()
        for source, targets in live.fallbacks:
            seen.add(source)
            change = fb_changes.get(source)
            if change is None:
                rules.append({source: targets})
            elif change.action is not Action.DELETE:
                rules.append({source: list(change.want())})
        for source, change in fb_changes.items():
            if source not in seen and change.action is not Action.DELETE:
                rules.append({source: list(change.want())})
        payload["fallbacks"] = rules

    for c in changes:
        if c.kind == "router_settings" and c.fields:
            payload[c.key] = thaw(c.desired)
    return payload


def public_groups_payload(current: Iterable[str], changes: Iterable[Change]) -> list[str]:
    """The public model hub after this owner's ``changes``: the current list in its order, the
    deleted groups removed, new groups appended in the config's order."""
    changes = list(changes)
    gone = {c.key for c in changes if c.action is Action.DELETE}
    groups = [g for g in dict.fromkeys(current) if g not in gone]
    groups += [c.key for c in changes if c.action is not Action.DELETE and c.key not in groups]
    return groups
