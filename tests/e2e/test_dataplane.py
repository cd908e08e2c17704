"""The data plane through the official SDKs: a real LiteLLM (configs/litellm.yaml) in front of the
stand-in upstream, configured by ``llmproxy sync``. What a client gets is what the config says."""

from __future__ import annotations

from pathlib import Path

import anthropic
import openai
import pytest
import yaml

from tests.e2e.dataplane import (
    GATEWAY_CONFIG,
    DataPlane,
    ask_anthropic,
    ask_openai,
    config,
    gateway_port,
    provider,
    start_gateway,
)
from tests.e2e.harness import stop_proxy

PRICED = {"litellm_params": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}}


def three_interfaces(dp: DataPlane) -> dict[str, object]:
    return config({"up": provider(dp.upstream, {"m1": PRICED}, interfaces=("openai", "anthropic", "gemini"))})


@pytest.mark.parametrize("name", ["openai/m1", "anthropic/m1", "gemini/m1"])
def test_every_interface_answers_both_sdks_plain_and_streamed(dataplane: DataPlane, name: str) -> None:
    dataplane.sync(three_interfaces(dataplane))
    expected = "hello from m1 via the"  # max_tokens=5: five words
    assert ask_openai(dataplane, name) == expected
    assert ask_openai(dataplane, name, stream=True) == expected
    assert ask_anthropic(dataplane, name) == expected
    assert ask_anthropic(dataplane, name, stream=True) == expected
    api = name.split("/")[0]
    calls = dataplane.upstream.calls_for("m1")
    assert len(calls) == 4
    assert {(c.api, c.key_name, c.status) for c in calls} == {(api, "llmproxy", 200)}
    assert [c.stream for c in calls] == [False, True, False, True]


def test_non_streamed_response_carries_its_cost(dataplane: DataPlane) -> None:
    dataplane.sync(three_interfaces(dataplane))
    raw = dataplane.openai().chat.completions.with_raw_response.create(
        model="openai/m1", messages=[{"role": "user", "content": "one two three"}], max_tokens=4)
    # 3 prompt tokens at 1e-6 + 4 completion tokens at 2e-6, priced from the upstream's usage
    assert float(raw.headers["x-litellm-response-cost"]) == pytest.approx(3e-6 + 8e-6)


def test_a_wrong_provider_key_reaches_the_client_as_an_upstream_401(dataplane: DataPlane) -> None:
    cfg = config({"up": provider(dataplane.upstream, {"m1": {}}, api_key="sk-not-the-upstream-key-0000")})
    dataplane.sync(cfg)
    with pytest.raises(openai.AuthenticationError):
        ask_openai(dataplane, "openai/m1")
    [call] = dataplane.upstream.calls
    assert call.status == 401 and call.key_name is None


def test_anthropic_clients_on_openai_models_use_chat_completions(dataplane: DataPlane) -> None:
    """configs/litellm.yaml sets use_chat_completions_url_for_anthropic_messages: without it LiteLLM
    sends /v1/messages for an openai/... model to the upstream's /v1/responses (see the test below)."""
    dataplane.sync(config({"up": provider(dataplane.upstream, {"m1": {}})}))
    assert ask_anthropic(dataplane, "openai/m1") == "hello from m1 via the"
    assert ask_anthropic(dataplane, "openai/m1", stream=True) == "hello from m1 via the"
    assert {c.path for c in dataplane.upstream.calls} == {"/v1/chat/completions"}


def test_without_the_setting_anthropic_clients_on_openai_models_hit_responses_404(
        dataplane: DataPlane, tmp_path: Path) -> None:
    """Why configs/litellm.yaml needs use_chat_completions_url_for_anthropic_messages."""
    settings = yaml.safe_load(GATEWAY_CONFIG.read_text())
    assert settings["litellm_settings"].pop("use_chat_completions_url_for_anthropic_messages") is True
    stock = tmp_path / "litellm-without-setting.yaml"
    stock.write_text(yaml.safe_dump(settings))
    dataplane.sync(config({"up": provider(dataplane.upstream, {"m1": {}})}))
    other, proc = start_gateway(dataplane.gateway, gateway_port() + 1, config=stock)
    try:
        client = anthropic.Anthropic(base_url=other.url, api_key=other.master_key, max_retries=0, timeout=60)
        with pytest.raises(anthropic.NotFoundError) as info:
            client.messages.create(model="openai/m1", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    finally:
        stop_proxy(proc)
    assert "/v1/responses" in str(info.value)
    assert [(c.path, c.status) for c in dataplane.upstream.calls_for("m1")] == [("/v1/responses", 404)]


def test_unknown_model_is_refused_by_the_gateway_not_the_upstream(dataplane: DataPlane) -> None:
    dataplane.sync(config({"up": provider(dataplane.upstream, {"m1": {}})}))
    with pytest.raises(anthropic.BadRequestError):
        ask_anthropic(dataplane, "openai/nope")
    assert dataplane.upstream.calls == []
