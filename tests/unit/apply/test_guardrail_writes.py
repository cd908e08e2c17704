"""Guardrail writes against the in-memory LiteLLM: a create whose answer was lost, a delete of
one already gone, the public model hub written as a delta."""

from __future__ import annotations

import httpx
import pytest

from llmproxy.desired.model import Guardrail
from llmproxy.errors import LLMProxyError
from llmproxy.litellm import guardrails_api
from llmproxy.litellm.api import LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.live.model import LiveGuardrail
from llmproxy.plan.model import Action, Change
from tests.unit.apply.fake import FakeAdmin
from tests.unit.plan.builders import FP

G = Guardrail("g", {"guardrail": "litellm_content_filter", "mode": "pre_call"}, {"description": "d"})


def test_a_create_that_landed_but_lost_its_answer_is_found_and_not_duplicated(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    api = LiteLLMApi(client, "llmproxy", FP)
    # The POST times out after it landed: the guardrail is there, with our marker.
    fake.fail["POST /guardrails"] = [httpx.ReadTimeout("answer lost")]
    fake.guardrails["gr-9"] = {"guardrail_name": "g", "litellm_params": dict(G.litellm_params),
                               "guardrail_info": {"llmproxy": {"owner": "llmproxy", "fields": []}}}
    api.create_guardrail(G)  # the POST "failed"; ours is there: updated, not created twice
    assert list(fake.guardrails) == ["gr-9"] and fake.calls.count("PUT /guardrails/gr-9") == 1
    assert fake.guardrails["gr-9"]["guardrail_info"]["description"] == "d"


def test_a_create_refused_for_someone_elses_guardrail_of_that_name_fails(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    fake.guardrails["gr-1"] = {"guardrail_name": "g", "litellm_params": dict(G.litellm_params),
                               "guardrail_info": {}}
    with pytest.raises(LLMProxyError, match="Unique constraint"):
        LiteLLMApi(client, "llmproxy", FP).create_guardrail(G)
    assert fake.guardrails["gr-1"]["guardrail_info"] == {}  # not taken over


def test_deleting_a_guardrail_already_gone_is_done(client: LiteLLMClient, fake: FakeAdmin) -> None:
    guardrails_api.delete_guardrail(client, "gr-404")
    assert fake.calls == ["DELETE /guardrails/gr-404"]


def test_the_hub_is_written_only_when_the_list_changes(client: LiteLLMClient, fake: FakeAdmin) -> None:
    api = LiteLLMApi(client, "llmproxy", FP)
    fake.public = ["theirs", "mine"]
    api.write_public_model_groups([Change("public_model_hub", Action.ADOPT, "mine")])
    assert "POST /model_group/make_public" not in fake.calls
    api.write_public_model_groups([Change("public_model_hub", Action.DELETE, "mine"),
                                   Change("public_model_hub", Action.CREATE, "new")])
    assert fake.public == ["theirs", "new"]


def test_an_update_keeps_what_others_set_and_drops_what_llmproxy_no_longer_sets(
        client: LiteLLMClient, fake: FakeAdmin) -> None:
    from llmproxy.live.marker import Marker

    fake.guardrails["gr-1"] = {"guardrail_name": "g", "guardrail_info": {"team": "sec"},
                               "litellm_params": {**G.litellm_params, "theirs": 1, "old": 2}}
    shown = {**G.litellm_params, "theirs": 1, "old": 2, "unreachable_fallback": "fail_closed"}
    live = LiveGuardrail("gr-1", "g", shown, {"team": "sec"}, Marker("llmproxy", fields=("guardrail", "mode", "old")))
    LiteLLMApi(client, "llmproxy", FP).update_guardrail(G, live)
    stored = fake.guardrails["gr-1"]
    assert stored["litellm_params"] == {**G.litellm_params, "theirs": 1}  # no server default sent back
    assert stored["guardrail_info"]["team"] == "sec" and stored["guardrail_info"]["description"] == "d"
