"""Wildcard model names as LiteLLM matches them.

``router_utils/pattern_match_deployments.py`` turns a deployment's ``model_name`` into a regex
(``re.escape`` with every ``*`` as ``(.*)``) and applies it with ``re.match``: anchored at the
start only, so ``claude-opus-*`` matches ``claude-opus-4-7`` and ``a*b`` matches ``a-b-c``.
Patterns are tried longest regex first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def is_pattern(name: str) -> bool:
    return "*" in name


def pattern_regex(pattern: str) -> str:
    return re.escape(pattern).replace(r"\*", "(.*)")


def pattern_matches(pattern: str, name: str) -> bool:
    return re.match(pattern_regex(pattern), name) is not None


def first_match(patterns: Iterable[str], name: str) -> str | None:
    """The pattern LiteLLM would pick for ``name`` (most specific first), or None."""
    ordered = sorted(patterns, key=lambda p: (len(pattern_regex(p)), p), reverse=True)
    return next((p for p in ordered if pattern_matches(p, name)), None)
