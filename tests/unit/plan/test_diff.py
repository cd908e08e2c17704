"""Diff and ownership rules, on synthetic live states (no HTTP)."""

from __future__ import annotations

from llmproxy.desired.model import FallbackRule
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.live.model import Ledger
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action
from llmproxy.plan.render import render_json, render_markdown, render_text_string
from tests.unit.plan.builders import FP, cred, dep, desired, live_cred_of, live_dep_of, live_state


def plan_of(d, live, **opts):
    return build_plan(d, live, FP, PlanOptions(**opts), capabilities=CAPABILITIES)


def test_everything_is_created_on_an_empty_proxy():
    d = desired(credentials=[cred()], deployments=[dep()], aliases={"fast": "m1"},
                fallbacks=[FallbackRule("fast", ("m1",))], router_settings={"num_retries": 3})
    plan = plan_of(d, live_state())
    actions = {(c.kind, c.action) for c in plan.changes}
    assert ("credentials", Action.CREATE) in actions and ("models", Action.CREATE) in actions
    assert ("aliases", Action.CREATE) in actions and ("fallbacks", Action.CREATE) in actions
    assert plan.summary_line().startswith("Plan: 4 to create")


def test_synced_state_shows_no_changes_despite_server_defaults_masking_and_enrichment():
    c, m = cred(), dep(api_key="sk-model-secret-99")
    live = live_state([live_cred_of(c)], [live_dep_of(m)])
    plan = plan_of(desired(credentials=[c], deployments=[m]), live)
    assert plan.changes == ()
    assert plan.summary_line() == "No changes. LiteLLM matches the config."
    assert plan.counts["models"].managed == 1 and plan.counts["credentials"].managed == 1


def test_rotated_secret_shows_as_sensitive_change_never_the_value():
    old, new = cred(key="sk-old-secret-aaaa"), cred(key="sk-new-secret-bbbb")
    plan = plan_of(desired(credentials=[new]), live_state([live_cred_of(old)]))
    [change] = plan.changes
    assert change.action is Action.UPDATE
    assert [f.path for f in change.fields] == ["credential_values.api_key"]
    for text in (render_text_string(plan), render_json(plan), render_markdown(plan)):
        assert "sk-new-secret-bbbb" not in text and "sk-old-secret-aaaa" not in text
        assert "(sensitive value changed)" in text


def test_changed_param_is_an_in_place_update():
    m = dep(rpm=10)
    live = live_state(deployments=[live_dep_of(dep(rpm=5))])
    [change] = plan_of(desired(deployments=[m]), live).changes
    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [("litellm_params.rpm", 5, 10)]


def test_removed_param_needs_a_replacement():
    live = live_state(deployments=[live_dep_of(dep(rpm=5))])
    [change] = plan_of(desired(deployments=[dep()]), live).changes
    assert change.action is Action.REPLACE
    assert "litellm_params.rpm" in change.reason


def test_removed_secret_param_is_detected_from_the_marker():
    live = live_state(deployments=[live_dep_of(dep(api_key="sk-hidden-by-litellm"))])
    [change] = plan_of(desired(deployments=[dep()]), live).changes
    assert change.action is Action.REPLACE
    assert change.fields[0].sensitive


def test_unmarked_same_identity_is_adopted_other_unmarked_is_left_alone():
    m = dep()
    seed_made = live_dep_of(m, owner=None, id="uuid-1")
    by_hand = live_dep_of(dep("hand", "openai/hand"), owner=None, id="uuid-2")
    plan = plan_of(desired(deployments=[m]), live_state(deployments=[seed_made, by_hand]), prune=True)
    assert [(c.action, c.live.id) for c in plan.changes] == [(Action.ADOPT, "uuid-1")]
    assert plan.counts["models"].adoptable == 1 and plan.counts["models"].unmanaged == 1


def test_prune_deletes_only_this_owners_objects():
    ours = live_dep_of(dep("gone", "openai/gone"), owner="llmproxy", id="a")
    theirs = live_dep_of(dep("theirs", "openai/t"), owner="team-b", id="b")
    hand = live_dep_of(dep("hand", "openai/h"), owner=None, id="c")
    config_file = live_dep_of(dep("cfg", "openai/c"), owner=None, id="d", db_model=False)
    live = live_state(deployments=[ours, theirs, hand, config_file])
    d = desired(deployments=[])
    without = plan_of(d, live)
    assert without.changes == () and [c.live.id for c in without.pending_prune] == ["a"]
    assert "would be pruned with --prune" in without.summary_line()
    with_prune = plan_of(d, live, prune=True)
    assert [(c.action, c.live.id) for c in with_prune.changes] == [(Action.DELETE, "a")]
    counts = with_prune.counts["models"]
    assert (counts.managed, counts.foreign, counts.unmanaged, counts.read_only) == (1, 1, 1, 1)


def test_omitted_section_is_left_alone_empty_section_prunes():
    live = live_state(deployments=[live_dep_of(dep())])
    assert plan_of(desired(), live, prune=True).changes == ()
    assert [c.action for c in plan_of(desired(deployments=[]), live, prune=True).changes] == [Action.DELETE]


def test_credential_still_referenced_is_never_deleted():
    c = cred()
    live = live_state([live_cred_of(c)], [live_dep_of(dep(), owner=None, id="hand")])
    plan = plan_of(desired(credentials=[], deployments=[]), live, prune=True)
    assert not any(ch.kind == "credentials" for ch in plan.changes)
    assert any("still use it" in n for n in plan.notes)


def test_foreign_credential_name_is_a_conflict():
    c = cred()
    plan = plan_of(desired(credentials=[c]), live_state([live_cred_of(c, owner="team-b")]))
    assert plan.refused and "team-b" in plan.conflicts[0]


def test_aliases_ownership_by_ledger():
    live = live_state(aliases={"mine-old": "m1", "theirs": "m1", "hand": "m1", "keep": "m1"},
                      deployments=[live_dep_of(dep())],
                      ledgers={"llmproxy": Ledger({"aliases": frozenset({"mine-old", "keep"})}),
                               "team-b": Ledger({"aliases": frozenset({"theirs"})})})
    plan = plan_of(desired(aliases={"keep": "m1", "new": "m1"}), live, prune=True)
    got = {(c.action, c.key) for c in plan.changes}
    assert got == {(Action.CREATE, "new"), (Action.DELETE, "mine-old")}
    counts = plan.counts["aliases"]
    assert (counts.managed, counts.foreign, counts.unmanaged) == (2, 1, 1)


def test_preflight_refuses_alias_to_unknown_model_and_deleting_a_referenced_model():
    plan = plan_of(desired(aliases={"fast": "nope"}), live_state())
    assert plan.refused and "nope" in plan.broken_refs[0]
    live = live_state(deployments=[live_dep_of(dep())], aliases={"fast": "m1"})
    plan = plan_of(desired(deployments=[]), live, prune=True)
    assert plan.refused and "fast" in plan.broken_refs[0]


def test_wildcard_alias_resolves_fallback_names():
    live = live_state(deployments=[live_dep_of(dep())])
    d = desired(aliases={"claude-*": "m1"}, fallbacks=[FallbackRule("claude-opus", ("m1",))])
    assert not plan_of(d, live).refused


def test_safety_threshold_marks_mass_deletion_unsafe():
    deps = [live_dep_of(dep(f"m{i}", f"openai/m{i}"), id=f"id{i}") for i in range(10)]
    keep = [dep(f"m{i}", f"openai/m{i}") for i in range(7)]
    assert plan_of(desired(deployments=keep), live_state(deployments=deps), prune=True).unsafe == ()
    keep = keep[:6]
    unsafe = plan_of(desired(deployments=keep), live_state(deployments=deps), prune=True).unsafe
    assert unsafe and "4 of 10" in str(unsafe[0])
    assert (unsafe[0].kind, unsafe[0].risky, unsafe[0].managed, unsafe[0].threshold) == ("models", 4, 10, 30)


def test_force_repushes_unchanged_managed_objects():
    c = cred()
    plan = plan_of(desired(credentials=[c]), live_state([live_cred_of(c)]), force=True)
    assert [ch.action for ch in plan.changes] == [Action.UPDATE]


def test_checksum_depends_on_changes_only():
    d = desired(deployments=[dep()])
    a, b = plan_of(d, live_state()), plan_of(d, live_state())
    assert a.checksum() == b.checksum()
    assert plan_of(desired(deployments=[dep(rpm=1)]), live_state()).checksum() != a.checksum()


def test_only_limits_the_kinds():
    d = desired(credentials=[cred()], deployments=[dep()])
    plan = plan_of(d, live_state(), only=frozenset({"credentials"}))
    assert {c.kind for c in plan.changes} == {"credentials"}
