"""Gateways synced before os.environ/ keys moved from the credential to the deployments converge
in place: the credential loses its api_key, each deployment gains it; nothing is replaced and no
value is printed. Afterwards the plan is empty (no perpetual diff)."""

from __future__ import annotations

from llmproxy.desired.model import Credential
from llmproxy.plan import Action, PlanOptions, build_plan
from llmproxy.plan.render import render_text_string
from tests.unit.plan.builders import (
    FP,
    dep,
    desired,
    live_cred_of,
    live_dep_of,
    live_state,
)

REF = "os.environ/UPSTREAM_KEY"


def _old_and_new() -> tuple[Credential, Credential]:
    info = {"custom_llm_provider": "Anthropic"}
    return (Credential("p-anthropic", {"api_key": REF, "api_base": "http://up"}, info),
            Credential("p-anthropic", {"api_base": "http://up"}, info))


def test_old_style_gateway_converges_in_place() -> None:
    old_cred, new_cred = _old_and_new()
    old_dep = dep("anthropic/m", "anthropic/m", "p-anthropic")
    new_dep = dep("anthropic/m", "anthropic/m", "p-anthropic", api_key=REF)
    live = live_state([live_cred_of(old_cred)], [live_dep_of(old_dep)])
    plan = build_plan(desired(credentials=[new_cred], deployments=[new_dep]), live, FP, PlanOptions())
    by_kind = {c.kind: c for c in plan.changes}
    assert {c.action for c in plan.changes} == {Action.UPDATE}
    assert [(f.path, f.sensitive, f.absent_after) for f in by_kind["credentials"].fields] == [
        ("credential_values.api_key", True, True)]
    assert [(f.path, f.sensitive) for f in by_kind["models"].fields] == [("litellm_params.api_key", True)]
    assert REF not in render_text_string(plan)


def test_converged_gateway_has_no_diff() -> None:
    _, new_cred = _old_and_new()
    new_dep = dep("anthropic/m", "anthropic/m", "p-anthropic", api_key=REF)
    live = live_state([live_cred_of(new_cred)], [live_dep_of(new_dep)])
    plan = build_plan(desired(credentials=[new_cred], deployments=[new_dep]), live, FP, PlanOptions())
    assert plan.changes == ()


def test_a_wildcard_alias_pushed_by_an_older_version_becomes_pattern_deployments() -> None:
    """Older versions pushed ``opus-*`` into model_group_alias (never matched); now it is pattern
    deployments, and the stale entry is this owner's to prune."""
    from llmproxy.live.model import Ledger

    target = dep("anthropic/opus", "anthropic/opus", "p-anthropic")
    mirror = dep("opus-*", "anthropic/opus", "p-anthropic")
    live = live_state([], [live_dep_of(target)], aliases={"opus-*": "anthropic/opus"},
                      ledgers={"llmproxy": Ledger({"aliases": frozenset({"opus-*"})})})
    plan = build_plan(desired(deployments=[target, mirror], aliases={}), live, FP, PlanOptions())
    assert [(c.kind, c.action, c.key) for c in plan.changes] == [
        ("models", Action.CREATE, "opus-* (anthropic/opus via p-anthropic)")]
    assert [(c.kind, c.key) for c in plan.pending_prune] == [("aliases", "opus-*")]
    assert not plan.broken_refs
