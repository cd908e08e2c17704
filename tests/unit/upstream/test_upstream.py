"""The stand-in upstream speaks each API well enough for the official SDKs, checks keys, records
calls and fails on purpose."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from tests.upstream import Upstream

KEY = "sk-upstream-unit-key-123456"
OTHER = "sk-upstream-second-key-654321"


@pytest.fixture()
def up() -> Iterator[Upstream]:
    with Upstream(keys={"main": KEY, "second": OTHER}, models=[f"m{i}" for i in range(5)]) as server:
        yield server


def oai(up: Upstream, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{up.url}/v1", api_key=key, max_retries=0, timeout=10)


def ant(up: Upstream, key: str = KEY) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=up.url, api_key=key, max_retries=0, timeout=10)


# -- OpenAI ---------------------------------------------------------------------------------------

def test_openai_chat_answers_with_usage_and_records_the_call(up: Upstream) -> None:
    r = oai(up).chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": "say hi now"}])
    assert r.choices[0].message.content == "hello from gpt-x via the stand-in upstream"
    assert r.usage is not None
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (3, 7, 10)
    [call] = up.calls
    assert (call.api, call.path, call.model, call.key_name, call.stream, call.status) == \
        ("openai", "/v1/chat/completions", "gpt-x", "main", False, 200)


def test_openai_stream_joins_to_the_reply_and_ends_with_usage(up: Upstream) -> None:
    chunks = list(oai(up, OTHER).chat.completions.create(
        model="gpt-x", messages=[{"role": "user", "content": "hi"}], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "hello from gpt-x via the stand-in upstream"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
    assert up.calls[0].stream and up.calls[0].key_name == "second"


def test_max_tokens_limits_the_reply_and_its_usage(up: Upstream) -> None:
    r = oai(up).chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": "hi"}], max_tokens=1)
    assert r.choices[0].message.content == "hello"
    assert r.usage is not None and r.usage.completion_tokens == 1
    assert r.choices[0].finish_reason == "length"


def test_openai_wrong_key_is_401_in_openai_shape(up: Upstream) -> None:
    with pytest.raises(openai.AuthenticationError) as info:
        oai(up, "sk-wrong-key-000000").chat.completions.create(model="gpt-x",
                                                               messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    [call] = up.calls
    assert call.status == 401 and call.key_name is None and call.key == "sk-wrong-key-000000"


def test_openai_model_list(up: Upstream) -> None:
    assert [m.id for m in oai(up).models.list()] == ["m0", "m1", "m2", "m3", "m4"]


# -- Anthropic ------------------------------------------------------------------------------------

def test_anthropic_message_answers_with_usage(up: Upstream) -> None:
    r = ant(up).messages.create(model="claude-x", max_tokens=100, system="be brief",
                                messages=[{"role": "user", "content": "say hi"}])
    assert r.content[0].type == "text" and r.content[0].text == "hello from claude-x via the stand-in upstream"
    assert (r.usage.input_tokens, r.usage.output_tokens) == (4, 7)
    assert r.stop_reason == "end_turn"
    [call] = up.calls
    assert (call.api, call.path, call.model, call.key_name, call.stream) == \
        ("anthropic", "/v1/messages", "claude-x", "main", False)


def test_anthropic_stream_events_join_to_the_reply(up: Upstream) -> None:
    with ant(up).messages.stream(model="claude-x", max_tokens=3, messages=[{"role": "user", "content": "hi"}]) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == "hello from claude-x"
    assert final.usage.output_tokens == 3 and final.stop_reason == "max_tokens"
    assert up.calls[0].stream


def test_anthropic_wrong_key_is_401_in_anthropic_shape(up: Upstream) -> None:
    with pytest.raises(anthropic.AuthenticationError) as info:
        ant(up, "sk-bad-anthropic").messages.create(model="c", max_tokens=5,
                                                    messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 401
    assert info.value.body == {"type": "error", "error": {"type": "authentication_error", "message": "invalid api key"}}


def test_anthropic_model_list_is_paged(up: Upstream) -> None:
    page = ant(up).models.list(limit=2)
    assert [m.id for m in page.data] == ["m0", "m1"] and page.has_more
    assert [m.id for m in page] == ["m0", "m1", "m2", "m3", "m4"]  # the SDK follows after_id


# -- Gemini ---------------------------------------------------------------------------------------

def test_gemini_generate_content_with_header_key(up: Upstream) -> None:
    r = httpx.post(f"{up.url}/v1beta/models/gemini-x:generateContent", headers={"x-goog-api-key": KEY},
                   json={"contents": [{"role": "user", "parts": [{"text": "hi there"}]}],
                         "generationConfig": {"maxOutputTokens": 2}})
    assert r.status_code == 200
    body = r.json()
    assert body["candidates"][0]["content"]["parts"][0]["text"] == "hello from"
    assert body["usageMetadata"] == {"promptTokenCount": 2, "candidatesTokenCount": 2, "totalTokenCount": 4}
    [call] = up.calls
    assert (call.api, call.model, call.key_name, call.stream) == ("gemini", "gemini-x", "main", False)


def test_gemini_stream_as_sse_and_as_json_array_with_query_key(up: Upstream) -> None:
    url = f"{up.url}/v1beta/models/gemini-x:streamGenerateContent"
    req = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    sse = httpx.post(url, params={"alt": "sse", "key": OTHER}, json=req)
    frames = [json.loads(line[6:]) for line in sse.text.splitlines() if line.startswith("data: ")]
    assert "".join(f["candidates"][0]["content"]["parts"][0]["text"] for f in frames) == \
        "hello from gemini-x via the stand-in upstream"
    assert frames[-1]["candidates"][0]["finishReason"] == "STOP"
    array = httpx.post(url, params={"key": KEY}, json=req).json()
    assert len(array) == len(frames)
    assert [(c.stream, c.key_name) for c in up.calls] == [(True, "second"), (True, "main")]


def test_gemini_wrong_key_is_401_in_google_shape(up: Upstream) -> None:
    r = httpx.post(f"{up.url}/v1beta/models/g:generateContent", params={"key": "nope-nope"}, json={})
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"


def test_gemini_model_list_is_paged(up: Upstream) -> None:
    first = httpx.get(f"{up.url}/v1beta/models", params={"pageSize": 3}, headers={"x-goog-api-key": KEY}).json()
    assert [m["name"] for m in first["models"]] == ["models/m0", "models/m1", "models/m2"]
    rest = httpx.get(f"{up.url}/v1beta/models", params={"pageToken": first["nextPageToken"], "key": KEY}).json()
    assert [m["name"] for m in rest["models"]] == ["models/m3", "models/m4"] and "nextPageToken" not in rest


# -- faults and records ---------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "error"), [(500, openai.InternalServerError), (429, openai.RateLimitError)])
def test_fail_by_model_id(up: Upstream, status: int, error: type[Exception]) -> None:
    up.fail("broken", status)
    with pytest.raises(error):
        oai(up).chat.completions.create(model="broken", messages=[{"role": "user", "content": "x"}])
    assert oai(up).chat.completions.create(model="fine", messages=[{"role": "user", "content": "x"}]).choices
    assert [(c.model, c.status) for c in up.calls] == [("broken", status), ("fine", 200)]
    up.heal("broken")
    assert oai(up).chat.completions.create(model="broken", messages=[{"role": "user", "content": "x"}]).choices


def test_fail_by_model_id_convention_in_each_api_shape(up: Upstream) -> None:
    with pytest.raises(anthropic.RateLimitError) as info:
        ant(up).messages.create(model="fail-429-claude", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert info.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    r = httpx.post(f"{up.url}/v1beta/models/fail-500-g:generateContent", params={"key": KEY}, json={})
    assert r.status_code == 500 and r.json()["error"]["status"] == "INTERNAL"


def test_retry_after_header_is_sent_when_asked(up: Upstream) -> None:
    up.fail("busy", 429, retry_after=7)
    r = httpx.post(f"{up.url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                   json={"model": "busy", "messages": []})
    assert r.status_code == 429 and r.headers["retry-after"] == "7"


def test_slow_model_times_out_a_client_with_a_shorter_timeout(up: Upstream) -> None:
    up.slow("sleepy", 30)
    client = openai.OpenAI(base_url=f"{up.url}/v1", api_key=KEY, max_retries=0, timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="sleepy", messages=[{"role": "user", "content": "x"}])
    # other models are not held up by the slow one
    assert oai(up).chat.completions.create(model="quick", messages=[{"role": "user", "content": "x"}]).choices


def test_unknown_paths_are_404_and_recorded(up: Upstream) -> None:
    r = httpx.post(f"{up.url}/v1/responses", headers={"Authorization": f"Bearer {KEY}"}, json={"model": "gpt-x"})
    assert r.status_code == 404
    assert [(c.api, c.path, c.model, c.status) for c in up.calls] == [("unknown", "/v1/responses", "gpt-x", 404)]


def test_reset_forgets_calls_and_faults(up: Upstream) -> None:
    up.fail("x", 500)
    httpx.get(f"{up.url}/v1/models", headers={"Authorization": f"Bearer {KEY}"})
    up.reset()
    assert up.calls == [] and up.fault_for("x") is None


def test_concurrent_calls_are_all_recorded(up: Upstream) -> None:
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            oai(up).chat.completions.create(model=f"m{i % 3}", messages=[{"role": "user", "content": "x"}])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(up.calls) == 24 and {c.model for c in up.calls} == {"m0", "m1", "m2"}


def test_gemini_takes_snake_case_fields_as_the_rest_api_does(up: Upstream) -> None:
    r = httpx.post(f"{up.url}/v1beta/models/g:generateContent", params={"key": KEY},
                   json={"contents": [{"parts": [{"text": "x"}]}], "generation_config": {"max_output_tokens": 1}})
    assert r.json()["candidates"][0]["content"]["parts"][0]["text"] == "hello"
