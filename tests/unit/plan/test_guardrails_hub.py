"""Plans for guardrails and the public model hub: what is compared, owned, adopted, refused and
pruned; the config sections they come from."""

from __future__ import annotations

from typing import Any

from llmproxy.desired.model import DesiredState, Guardrail
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.litellm.guardrails_api import kept_params, parse_guardrail, user_params
from llmproxy.litellm.router_payload import public_groups_payload
from llmproxy.live.marker import Marker
from llmproxy.live.model import Ledger, LiveGuardrail, LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Change, Plan
from tests.unit.plan.builders import FP, dep, live_dep_of, live_state

PARAMS = {"guardrail": "litellm_content_filter", "mode": "pre_call",
          "blocked_words": [{"keyword": "nope", "action": "BLOCK"}]}
SECRET = {**PARAMS, "api_key": "sk-guardrail-key-1234"}


def live_guardrail(g: Guardrail, owner: str | None = "llmproxy", *, source: str = "db",
                   **extra: Any) -> LiveGuardrail:
    """As LiteLLM lists it: server defaults filled in, secrets masked."""
    params = {"unreachable_fallback": "fail_closed", "default_on": False, **g.litellm_params, **extra}
    params = {k: (v[:2] + "****" + v[-2:] if k == "api_key" else v) for k, v in params.items()}
    marker = Marker(owner, fields=tuple(sorted(g.litellm_params)), info_fields=tuple(sorted(g.info)),
                    secrets=FP.all(g.litellm_params) or None) if owner else None
    return LiveGuardrail(f"id-{g.name}", g.name, params, dict(g.info), marker, source)


def with_guardrails(live: LiveState, *items: LiveGuardrail) -> LiveState:
    return LiveState(live.credentials, live.deployments, live.router, live.ledgers,
                     guardrails={g.name: g for g in items}, public_model_groups=live.public_model_groups)


def plan(desired: DesiredState, live: LiveState, **options: Any) -> Plan:
    return build_plan(desired, live, FP, PlanOptions(**options), capabilities=CAPABILITIES)


def actions(p: Plan) -> list[tuple[str, Action]]:
    return [(c.key, c.action) for c in p.changes]


# -- guardrails -------------------------------------------------------------------------------------


def test_a_new_guardrail_is_created_and_an_unchanged_one_is_left_alone() -> None:
    g = Guardrail("g", SECRET, {"description": "d"})
    assert actions(plan(DesiredState(guardrails=(g,)), with_guardrails(live_state()))) == [("g", Action.CREATE)]
    # Server defaults and the masked key are not differences (the key compares by fingerprint).
    assert plan(DesiredState(guardrails=(g,)), with_guardrails(live_state(), live_guardrail(g))).changes == ()


def test_a_changed_secret_or_field_updates_and_a_dropped_field_is_removed() -> None:
    g = Guardrail("g", SECRET)
    live = with_guardrails(live_state(), live_guardrail(g))
    rotated = Guardrail("g", {**SECRET, "api_key": "sk-guardrail-key-5678"})
    [change] = plan(DesiredState(guardrails=(rotated,)), live).changes
    assert change.action is Action.UPDATE and [f.path for f in change.fields] == ["litellm_params.api_key"]
    assert change.fields[0].sensitive
    [change] = plan(DesiredState(guardrails=(Guardrail("g", PARAMS),)), live).changes
    assert [(f.path, f.absent_after) for f in change.fields] == [("litellm_params.api_key", True)]


def test_ownership_adopt_conflicts_and_prune_only_what_is_ours() -> None:
    mine, hand, theirs, cfg = (Guardrail(n, PARAMS) for n in ("mine", "hand", "theirs", "cfg"))
    live = with_guardrails(live_state(), live_guardrail(mine), live_guardrail(hand, None),
                           live_guardrail(theirs, "team-b"), live_guardrail(cfg, None, source="config"))
    p = plan(DesiredState(guardrails=(hand,)), live, prune=True)
    assert actions(p) == [("hand", Action.ADOPT), ("mine", Action.DELETE)]
    p = plan(DesiredState(guardrails=(theirs, cfg)), live)
    assert p.refused and {f.code for f in p.findings if f.severity == "conflict"} == {"foreign", "read_only"}
    # Not in the config at all: LiteLLM's guardrails are left alone.
    assert plan(DesiredState(), live, prune=True).changes == ()


def test_writing_over_a_secret_llmproxy_cannot_send_back_is_refused() -> None:
    hand = live_guardrail(Guardrail("g", SECRET), None)
    p = plan(DesiredState(guardrails=(Guardrail("g", PARAMS),)), with_guardrails(live_state(), hand))
    [finding] = [f for f in p.findings if f.severity == "conflict"]
    assert finding.code == "secret_not_kept" and "litellm_params.api_key" in finding.message


def test_a_write_sends_back_the_fields_others_set_but_not_defaults_secrets_or_its_own() -> None:
    live = live_guardrail(Guardrail("g", {**PARAMS, "tier": "x"}), None, skip_system=True)
    assert kept_params(PARAMS, live) == {"tier": "x", "skip_system": True}
    ours = live_guardrail(Guardrail("g", {**PARAMS, "tier": "x"}))
    assert kept_params(PARAMS, ours) == {}  # tier was llmproxy's: dropped with the config
    assert user_params({"unreachable_fallback": "fail_closed", "version": 2, "version_x": 2}) == {"version_x": 2}


def test_the_listing_drops_nulls_at_every_depth_and_reads_the_marker() -> None:
    g = parse_guardrail({"guardrail_id": "1", "guardrail_name": "g", "guardrail_definition_location": "config",
                         "litellm_params": {"mode": "pre_call", "x": None,
                                            "blocked_words": [{"keyword": "k", "description": None}]},
                         "guardrail_info": {"llmproxy": {"owner": "o"}, "d": 1}})
    assert g.litellm_params == {"mode": "pre_call", "blocked_words": [{"keyword": "k"}]}
    assert g.info == {"d": 1} and g.marker is not None and g.marker.owner == "o" and g.read_only


# -- the public model hub -----------------------------------------------------------------------------


def hub_state(groups: tuple[str, ...], ledgers: dict[str, Ledger] | None = None) -> LiveState:
    live = live_state(deployments=[live_dep_of(dep("m1")), live_dep_of(dep("m2"))], aliases={"fast": "m1"},
                      ledgers=ledgers)
    return LiveState(live.credentials, live.deployments, live.router, live.ledgers, public_model_groups=groups)


def test_public_groups_are_created_adopted_and_pruned_through_the_ledger() -> None:
    live = hub_state(("m2", "hand"), {"llmproxy": Ledger({"public_model_hub": frozenset({"m2"})},
                                                         {"public_model_hub": {"m2": _digest()}})})
    p = plan(DesiredState(public_model_groups=("m1", "fast")), live, prune=True)
    assert actions(p) == [("m1", Action.CREATE), ("fast", Action.CREATE), ("m2", Action.DELETE)]  # not "hand"
    p = plan(DesiredState(public_model_groups=("hand",)), live)
    assert actions(p) == [("hand", Action.ADOPT)]


def test_a_public_group_claimed_by_another_owner_is_a_conflict() -> None:
    live = hub_state(("m1",), {"team-b": Ledger({"public_model_hub": frozenset({"m1"})})})
    p = plan(DesiredState(public_model_groups=("m1",)), live)
    assert p.refused and [f.code for f in p.findings if f.severity == "conflict"] == ["foreign"]


def test_a_public_group_no_model_or_alias_serves_is_refused() -> None:
    p = plan(DesiredState(public_model_groups=("ghost",)), hub_state(()))
    assert p.refused and [f.code for f in p.findings if f.severity == "conflict"] == ["unserved"]


def test_the_hub_write_keeps_others_groups_and_their_order() -> None:
    changes = [Change("public_model_hub", Action.CREATE, "new"), Change("public_model_hub", Action.DELETE, "old"),
               Change("public_model_hub", Action.ADOPT, "kept")]
    assert public_groups_payload(["a", "old", "kept", "a"], changes) == ["a", "kept", "new"]


def _digest() -> str:
    from llmproxy.live.model import value_digest

    return value_digest("public")
