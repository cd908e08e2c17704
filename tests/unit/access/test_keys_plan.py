"""Planning virtual keys: create / adopt / update by alias, field-level diffs with spend as context,
prune only owned keys, references resolved with JSON path and did-you-mean, the policy on keys
llmproxy does not own, and the /key/update body that keeps other writers' metadata."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from llmproxy.desired.keys import DesiredKey, KeyPolicy, Override, Selector
from llmproxy.desired.model import DesiredState
from llmproxy.errors import ConnectionFailed, LLMProxyError, PlanRefused, ServerError
from llmproxy.keys.delivery import DirectorySink
from llmproxy.litellm.keys_target import create_key, update_body
from llmproxy.live.keys import LiveKey
from llmproxy.live.marker import Marker
from llmproxy.live.model import LiveState
from llmproxy.manager import Manager
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan
from tests.unit.plan.builders import FP, dep, live_dep_of, live_state

GROUPED = replace(dep("m1"), model_info={"base_model": "m1", "access_groups": ["General"]})


def key(alias: str = "ada", **kw: Any) -> DesiredKey:
    base: dict[str, Any] = {"user": "ada@example.com", "models": ("General",), "max_budget": 25.0,
                            "budget_duration": "30d", "metadata": {"app": "nb"}, "source": f"keys.{alias}"}
    return DesiredKey(alias=alias, **{**base, **kw})


def live_key(k: DesiredKey, owner: str | None = "llmproxy", *, token: str = "a" * 64, spend: float = 3.2,
             **fields: Any) -> LiveKey:
    marker = Marker(owner, fields=tuple(k.limits()), info_fields=tuple(sorted(k.metadata or {}))) if owner else None
    values: dict[str, Any] = {"models": tuple(k.models or ()), "max_budget": k.max_budget,
                              "budget_duration": k.budget_duration, "rpm_limit": k.rpm_limit,
                              "tpm_limit": k.tpm_limit, **fields}
    return LiveKey(token=token, alias=k.alias, user_id="u-1", user_email=k.user, metadata=dict(k.metadata or {}),
                   marker=marker, spend=spend, **values)


def plan(live_keys: tuple[LiveKey, ...], keys: tuple[DesiredKey, ...] | None, *, policy: KeyPolicy | None = None,
         **options: Any) -> Plan:
    live: LiveState = replace(live_state(), deployments=(live_dep_of(GROUPED),), keys=live_keys,
                              team_names={"t-1": "platform"})
    return build_plan(DesiredState(deployments=(GROUPED,), keys=keys, key_policy=policy), live, FP,
                      PlanOptions(**options))


def key_changes(p: Plan) -> list[Any]:
    return [c for c in p.changes if c.kind == "keys"]


def test_a_declared_key_is_created_with_its_fields_and_no_secret() -> None:
    [c] = key_changes(plan((), (key(),)))
    assert c.action is Action.CREATE and c.key == "ada"
    assert [f.describe() for f in c.fields] == ['models: + ["General"]', "max_budget: + 25.0",
                                                "budget_duration: + 30d", "metadata.app: + nb",
                                                "user: + ada@example.com"]


def test_an_unchanged_key_plans_nothing_and_a_budget_change_is_one_field_with_spend_as_context() -> None:
    k = key()
    assert key_changes(plan((live_key(k),), (k,))) == []
    [c] = key_changes(plan((live_key(k),), (replace(k, max_budget=50.0),)))
    assert c.action is Action.UPDATE and [f.describe() for f in c.fields] == ["max_budget: 25.0 → 50.0"]
    assert c.context == "spend 3.20 USD of max_budget 25 USD"
    p1 = plan((live_key(k, spend=1.0),), (replace(k, max_budget=50.0),))
    p2 = plan((live_key(k, spend=9.0),), (replace(k, max_budget=50.0),))
    assert p1.checksum() == p2.checksum()  # spend is state: traffic never changes the plan


def test_a_hand_made_key_with_the_alias_is_adopted_and_another_owners_is_a_conflict() -> None:
    k = key()
    [c] = key_changes(plan((live_key(k, owner=None, rpm_limit=5),), (k,)))
    assert c.action is Action.ADOPT and c.fields == ()  # rpm_limit is not managed by this config
    p = plan((live_key(k, owner="other"),), (k,))
    assert key_changes(p) == [] and p.refused and "belongs to owner 'other'" in p.conflicts[0]


def test_prune_deletes_only_owned_keys() -> None:
    mine = live_key(key("gone"), token="b" * 64)
    hand = live_key(key("hand"), owner=None, token="c" * 64)
    theirs = live_key(key("theirs"), owner="other", token="d" * 64)
    p = plan((mine, hand, theirs), ())
    assert [c.key for c in p.pending_prune] == ["gone"] and key_changes(p) == []
    p = plan((mine, hand, theirs), (), prune=True)
    assert [(c.action, c.key) for c in key_changes(p)] == [(Action.DELETE, "gone")]
    assert (p.counts["keys"].unmanaged, p.counts["keys"].foreign) == (1, 1)


def test_a_field_dropped_from_the_config_is_cleared_and_foreign_metadata_kept() -> None:
    k = key(rpm_limit=60)
    live = replace(live_key(k), metadata={"app": "nb", "someone": "else"})
    want = replace(k, rpm_limit=None, metadata={})
    [c] = key_changes(plan((live,), (want,)))
    assert [f.describe() for f in c.fields] == ["rpm_limit: - 60 (removed)", "metadata.app: - nb (removed)"]
    body = update_body("llmproxy", want, live)
    assert body["rpm_limit"] is None and body["max_budget"] == 25.0
    assert body["metadata"]["someone"] == "else" and "app" not in body["metadata"]
    assert body["metadata"]["llmproxy"]["owner"] == "llmproxy"


def test_an_unchanged_duration_is_not_resent() -> None:
    k = key(duration="90d")
    live = replace(live_key(k), duration="90d")
    assert "duration" not in update_body("llmproxy", k, live)
    assert update_body("llmproxy", replace(k, duration="30d"), live)["duration"] == "30d"


def test_a_models_name_that_resolves_nowhere_is_refused_with_its_path_and_a_guess() -> None:
    p = plan((), (key(models=("Generl", "m1")), key("ci", team="platfrom", user=None)))
    assert p.refused and key_changes(p)[0].key == "ada"
    assert "keys.ada.models[0]: 'Generl' is not a model name, alias or access group in the config or in " \
           "LiteLLM (did you mean 'General'?)" in p.broken_refs[0]
    assert "keys.ci.team: no team 'platfrom' in the config or in LiteLLM (did you mean 'platform'?)" in p.broken_refs


def test_the_policy_on_every_key_updates_hand_made_keys_without_adopting_them() -> None:
    policy = KeyPolicy(defaults={"rpm_limit": 60, "duration": "30d"}, apply_to="all",
                       overrides=(Override(Selector(alias="bot-*"), {"rpm_limit": 600}),))
    hand = LiveKey(token="e" * 64, alias="bot-1", rpm_limit=10)
    theirs = LiveKey(token="f" * 64, alias="x", rpm_limit=10, marker=Marker("other"))
    [c] = key_changes(plan((hand, theirs), (), policy=policy))
    assert c.action is Action.UPDATE and [f.describe() for f in c.fields] == ["rpm_limit: 10 → 600"]
    body = update_body("llmproxy", c.desired, hand, stamp=False)
    assert body == {"key": "e" * 64, "rpm_limit": 600}  # no marker: never owned, never pruned


def test_sync_refuses_a_plan_that_mints_keys_with_nowhere_to_deliver_them() -> None:
    manager = Manager.__new__(Manager)
    manager.target = type("T", (), {"key_sink": None})()  # type: ignore[assignment]
    with pytest.raises(PlanRefused, match="nowhere to go"):
        manager._check_delivery(plan((), (key(),)))
    manager._check_delivery(plan((), ()))  # nothing minted: nothing to deliver


def test_a_minted_secret_is_written_once_mode_0600_atomically(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path / "out")
    sink.check()
    sink.deliver("team/ci bot", "sk-secret-value-0123456789")
    [written] = list((tmp_path / "out").iterdir())
    assert written.name == "team_ci_bot" and written.read_text() == "sk-secret-value-0123456789\n"
    assert written.stat().st_mode & 0o777 == 0o600
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(LLMProxyError, match="cannot write there"):
        DirectorySink(blocked / "sub").check()


class _Refusing:
    """A client whose every write LiteLLM refuses as Enterprise-only (as the open-source proxy does)."""

    def request(self, method: str, path: str, **_: Any) -> Any:
        raise ServerError("POST /key/generate: HTTP 500: You must be a LiteLLM Enterprise user to use this "
                          "feature. If you have a license please set `LITELLM_LICENSE` in your env.")


class _Sink:
    def __init__(self) -> None:
        self.delivered: list[str] = []

    def deliver(self, alias: str, secret: str) -> None:
        self.delivered.append(alias)

    def describe(self) -> str:
        return "test"


def test_an_enterprise_only_refusal_is_explained_with_the_keys_path_and_nothing_is_delivered() -> None:
    sink = _Sink()
    with pytest.raises(LLMProxyError) as caught:
        create_key(_Refusing(), "llmproxy", key(user=None, metadata={"app": "x"}), sink)  # type: ignore[arg-type]
    assert "needs an Enterprise licence" in caught.value.message and "keys.ada" in (caught.value.hint or "")
    assert sink.delivered == []
    with pytest.raises(LLMProxyError, match="nowhere to deliver its secret"):
        create_key(_Refusing(), "llmproxy", key(user=None), None)  # type: ignore[arg-type]


class _LostAnswer:
    """A client whose /key/generate answer never arrives (the key may exist; its secret is unknown)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def request(self, method: str, path: str, **_: Any) -> Any:
        self.calls.append(f"{method} {path}")
        raise ConnectionFailed(f"{method} {path}: the connection was lost; the request may have been applied")


def test_a_lost_answer_to_generate_is_not_retried_and_says_how_to_recover_without_delivering() -> None:
    sink, client = _Sink(), _LostAnswer()
    with pytest.raises(ConnectionFailed) as caught:
        create_key(client, "llmproxy", key(user=None), sink)  # type: ignore[arg-type]
    assert client.calls == ["POST /key/generate"] and sink.delivered == []
    assert caught.value.hint == ("if LiteLLM created key 'ada' anyway, the next plan shows it unchanged; "
                                 "issue a new secret with `llmproxy keys rotate ada`")


def test_pruning_many_owned_keys_is_over_the_safety_threshold() -> None:
    owned = tuple(live_key(key(f"k{i}"), token=f"{i:064d}") for i in range(10))
    p = plan(owned, tuple(key(f"k{i}") for i in range(6)), prune=True)
    assert [c.key for c in key_changes(p)] == ["k6", "k7", "k8", "k9"]
    assert [str(u) for u in p.unsafe] == ["keys: 4 of 10 managed objects would be deleted or replaced (more than 30 %)"]
