"""The plan: per-resource differences between the desired and the live state, with ownership,
safety checks and routing preflight. ``build_plan`` computes it; nothing here writes."""

from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Change, FieldChange, Plan

__all__ = ["Action", "Change", "FieldChange", "Plan", "PlanOptions", "build_plan"]
