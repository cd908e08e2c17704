"""A hostile or wrong server cannot exhaust memory or confuse the messages (issue 15, items 8, 12)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from llmproxy.errors import LLMProxyError
from llmproxy.litellm.client import LiteLLMClient, ResponseTooLarge

KEY = "sk-master-0123456789abcdef"


def _client(handler: httpx.MockTransport, limit: int = 1024 * 1024) -> LiteLLMClient:
    return LiteLLMClient("http://h.test", KEY, transport=handler, sleep=lambda _s: None,
                         max_response_bytes=limit)


class _Endless(httpx.SyncByteStream):
    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"data": ['
        while True:
            self.sent += 65536
            yield b'{"a": 1},' * 7281


def test_an_endless_body_is_cut_off_with_a_clear_message() -> None:
    stream = _Endless()
    client = _client(httpx.MockTransport(lambda r: httpx.Response(200, stream=stream)))
    with pytest.raises(ResponseTooLarge) as info:
        client.get("/v2/model/info")
    assert "larger than 1 MiB" in info.value.message and "GET /v2/model/info" in info.value.message
    assert stream.sent < 2 * 1024 * 1024  # stopped reading soon after the limit


def test_a_declared_oversize_body_is_refused_before_reading() -> None:
    client = _client(httpx.MockTransport(lambda r: httpx.Response(
        200, headers={"content-length": str(10 ** 10)}, stream=httpx.ByteStream(b"{}"))))
    with pytest.raises(ResponseTooLarge):
        client.get("/credentials")


def test_a_compressed_bomb_is_measured_decoded() -> None:
    body = gzip.compress(b"[" + b"1," * (2 * 1024 * 1024) + b"1]")
    client = _client(httpx.MockTransport(lambda r: httpx.Response(
        200, headers={"content-encoding": "gzip"}, content=body)))
    assert len(body) < 1024 * 1024
    with pytest.raises(ResponseTooLarge):
        client.get("/credentials")


def test_a_normal_compressed_body_still_parses() -> None:
    client = _client(httpx.MockTransport(lambda r: httpx.Response(
        200, headers={"content-encoding": "gzip"}, content=gzip.compress(b'{"ok": [1, 2]}'))))
    assert client.get("/x") == {"ok": [1, 2]}


def test_errors_stay_llmproxy_errors() -> None:
    assert issubclass(ResponseTooLarge, LLMProxyError)


def test_an_html_404_is_not_echoed_and_asks_whether_this_is_litellm() -> None:
    page = "<html><head><title>404 Not Found</title></head><body><h1>nginx</h1></body></html>"
    client = _client(httpx.MockTransport(lambda r: httpx.Response(
        404, headers={"content-type": "text/html"}, text=page)))
    with pytest.raises(LLMProxyError) as info:
        client.get("/credentials")
    assert "<" not in info.value.message and "HTML page" in info.value.message
    assert info.value.hint and "is this LiteLLM?" in info.value.hint and "path prefix" in info.value.hint


def test_a_server_answering_an_empty_object_is_not_called_databaseless() -> None:
    from llmproxy.litellm.probe import readiness, require_database

    client = _client(httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    for probe in (readiness, require_database):
        with pytest.raises(LLMProxyError) as info:
            probe(client)  # type: ignore[operator]
        assert "does not look like a LiteLLM proxy" in info.value.message
        assert "database" not in info.value.message


def test_a_timed_out_read_never_says_it_may_have_been_applied() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = _client(httpx.MockTransport(timeout))
    with pytest.raises(LLMProxyError) as info:
        client.request("GET", "/health/readiness", retry=False)
    assert "did not answer in time" in info.value.message and "applied" not in info.value.message
    with pytest.raises(LLMProxyError) as info:
        client.request("POST", "/model/new", json={})
    assert "may have been applied" in info.value.message
