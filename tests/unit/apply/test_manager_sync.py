"""``Manager.sync`` owns the policy: refusal, reviewed checksum, safety thresholds, confirmation,
apply and verify. Against the in-memory LiteLLM."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmproxy.desired.model import DesiredState
from llmproxy.errors import Aborted, PlanRefused
from llmproxy.litellm.api import LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.manager import ChecksumMismatch, Manager, SyncHooks, UnsafePlanRefused, thresholds_from
from llmproxy.plan.builder import PlanOptions
from llmproxy.plan.model import Plan
from llmproxy.plan.safety import Thresholds
from tests.unit.apply.fake import FakeAdmin
from tests.unit.plan.builders import FP, cred, dep


def manager(client: LiteLLMClient, desired: DesiredState, **thresholds: float) -> Manager:
    return Manager(desired, LiteLLMApi(client, desired.owner, FP), FP, Thresholds(**thresholds))  # type: ignore[arg-type]


A = cred("prov-a")
MODELS = tuple(dep(f"m{i}", f"openai/m{i}", "prov-a") for i in range(10))


def writes(fake: FakeAdmin) -> list[str]:
    return [c for c in fake.calls if not c.startswith("GET ")]


def test_sync_applies_verifies_and_reports(client: LiteLLMClient, fake: FakeAdmin) -> None:
    shown: list[Plan] = []
    result = manager(client, DesiredState(credentials=(A,), deployments=MODELS)).sync(
        PlanOptions(), hooks=SyncHooks(planned=shown.append))
    assert result.report is not None and result.report.ok
    assert shown == [result.plan] and len(fake.models) == 10


def test_a_plan_with_a_broken_reference_is_refused_before_any_write(client: LiteLLMClient, fake: FakeAdmin) -> None:
    with pytest.raises(PlanRefused, match="no model or alias of that name"):
        manager(client, DesiredState(aliases={"fast": "nowhere"})).sync(PlanOptions(force=True))
    assert writes(fake) == []


def test_another_checksum_than_the_reviewed_one_is_refused(client: LiteLLMClient, fake: FakeAdmin) -> None:
    m = manager(client, DesiredState(credentials=(A,)))
    with pytest.raises(ChecksumMismatch) as info:
        m.sync(PlanOptions(), checksum="000000000000")
    assert info.value.plan.has_changes and writes(fake) == []
    result = m.sync(PlanOptions(), checksum=info.value.plan.checksum())
    assert result.report is not None and result.report.ok


def test_a_dry_run_and_an_empty_plan_apply_nothing(client: LiteLLMClient, fake: FakeAdmin) -> None:
    m = manager(client, DesiredState(credentials=(A,)))
    assert m.sync(PlanOptions(), dry_run=True).report is None and writes(fake) == []
    m.sync(PlanOptions())
    fake.calls.clear()
    result = m.sync(PlanOptions())
    assert result.report is None and not result.plan.has_changes and writes(fake) == []


def test_an_unsafe_plan_needs_allow_unsafe_or_a_higher_threshold(client: LiteLLMClient, fake: FakeAdmin) -> None:
    manager(client, DesiredState(credentials=(A,), deployments=MODELS)).sync(PlanOptions())
    fewer = DesiredState(credentials=(A,), deployments=MODELS[:6])
    with pytest.raises(UnsafePlanRefused) as info:
        manager(client, fewer).sync(PlanOptions(prune=True))
    [finding] = info.value.unsafe
    assert (finding.kind, finding.risky, finding.managed) == ("models", 4, 10)
    assert len(fake.models) == 10
    result = manager(client, fewer, max_delete_pct=50).sync(PlanOptions(prune=True))
    assert result.report is not None and result.report.ok and len(fake.models) == 6


def test_allowing_an_unsafe_plan_applies_it_and_its_reviewed_checksum_matches(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    manager(client, DesiredState(credentials=(A,), deployments=MODELS)).sync(PlanOptions())
    empty = DesiredState(credentials=(A,), deployments=())
    # A re-push alone does not allow an unsafe plan.
    with pytest.raises(UnsafePlanRefused):
        manager(client, empty).sync(PlanOptions(prune=True, force=True))
    _, reviewed = manager(client, empty).plan(PlanOptions(prune=True, allow_unsafe=True))
    assert reviewed.unsafe and reviewed.unsafe_allowed
    result = manager(client, empty).sync(PlanOptions(prune=True, allow_unsafe=True), checksum=reviewed.checksum())
    assert result.report is not None and result.report.ok and fake.models == {}


def test_a_declined_confirmation_applies_nothing(client: LiteLLMClient, fake: FakeAdmin) -> None:
    def decline(plan: Plan) -> None:
        raise Aborted("no")
    with pytest.raises(Aborted):
        manager(client, DesiredState(credentials=(A,))).sync(PlanOptions(), hooks=SyncHooks(confirm=decline))
    assert writes(fake) == []


def test_thresholds_come_from_the_config_then_the_flags() -> None:
    policy = {"max_delete_pct": 10.0, "min_managed": 3}
    assert thresholds_from(policy) == Thresholds(max_delete_pct=10, min_managed=3)
    assert thresholds_from(policy, {"max_delete_pct": 60.0, "max_update_pct": None}) == \
        Thresholds(max_delete_pct=60, min_managed=3)


def test_the_config_sync_section_sets_the_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from llmproxy.config import load_config
    from llmproxy.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"sync": {"max_update_pct": 50, "min_managed": 4}}))
    assert thresholds_from(load_config().sync_policy) == Thresholds(max_update_pct=50, min_managed=4)
    (tmp_path / "config.json").write_text(json.dumps({"sync": {"max_delete_pct": 120}}))
    with pytest.raises(ConfigError, match=r"sync\.max_delete_pct"):
        load_config()
