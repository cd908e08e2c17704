"""The plan: per-resource differences between the desired and the live state, with ownership,
safety checks and routing preflight. ``plan.builder.build_plan`` computes it; nothing here writes
or talks to a server.

The names below are loaded on first use: ``plan.builder`` iterates the kind registry, whose
modules import ``plan.model``, so importing the builder here would make a cycle.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"Action": "model", "Change": "model", "FieldChange": "model", "Finding": "model", "Plan": "model",
            "PlanOptions": "builder", "build_plan": "builder"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"llmproxy.plan.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'llmproxy.plan' has no attribute {name!r}")
