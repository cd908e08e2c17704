"""Reading model lists over HTTP: against the stand-in upstream (OpenAI, Anthropic paged, Gemini
paged) for what real servers do, and httpx mock transports for what they must not."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llmproxy.config.discovery import ListingError, http_lister
from tests.unit.config.conftest import Workspace
from tests.upstream import Upstream

KEY = "sk-discovery-unit-key-0a9b8c7d"
#: More than one page of each paged API (Anthropic: 20, Gemini: 50 per page by default).
MODELS = [f"model-{i:02d}" for i in range(57)]
PORTS = range(19700, 19800)  # this worktree's ports for processes its tests start


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 19700-19799")


@pytest.fixture(scope="module")
def up() -> Iterator[Upstream]:
    with Upstream(keys={"main": KEY}, models=MODELS, port=_free_port()) as server:
        yield server


def test_each_api_lists_every_model_across_pages(up: Upstream) -> None:
    up.reset()
    lister = http_lister(timeout=10)
    for interface in ("openai", "anthropic", "gemini"):
        listing = lister(interface, up.url, KEY)
        assert listing.ids == tuple(MODELS), interface
    pages = {api: [c.path for c in up.calls if c.api == api] for api in ("openai", "anthropic", "gemini")}
    assert pages == {"openai": ["/v1/models"], "anthropic": ["/v1/models"] * 3, "gemini": ["/v1beta/models"] * 2}
    assert {c.key_name for c in up.calls} == {"main"}


def test_a_base_with_its_suffix_already_is_not_suffixed_again(up: Upstream) -> None:
    assert http_lister(timeout=10)("openai", f"{up.url}/v1/", KEY).url == f"{up.url}/v1/models"
    assert http_lister(timeout=10)("gemini", f"{up.url}/v1beta", KEY).url == f"{up.url}/v1beta/models"


def test_a_rejected_key_names_the_url_and_status_never_the_key(up: Upstream) -> None:
    with pytest.raises(ListingError) as caught:
        http_lister(timeout=10)("openai", up.url, "sk-wrong-key-zzzz")
    assert str(caught.value) == f"GET {up.url}/v1/models: HTTP 401 (invalid api key)"


def test_anthropic_falls_back_to_the_openai_list_and_reports_both_when_both_fail(up: Upstream) -> None:
    def only_openai(request: httpx.Request) -> httpx.Response:
        if "x-api-key" in request.headers:
            return httpx.Response(404, json={"error": {"message": "no such route"}})
        return httpx.Response(200, json={"data": [{"id": "a"}, {"id": "b"}]})

    listing = http_lister(transport=httpx.MockTransport(only_openai))("anthropic", "http://gw", KEY)
    assert (listing.url, listing.ids) == ("http://gw/v1/models", ("a", "b"))

    def nothing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down")

    with pytest.raises(ListingError) as caught:
        http_lister(transport=httpx.MockTransport(nothing))("anthropic", "http://gw", KEY)
    assert str(caught.value) == ("GET http://gw/v1/models: HTTP 503; the OpenAI-compatible list "
                                 "http://gw/v1/models failed too: HTTP 503")


@pytest.mark.parametrize("interface, body, reason", [
    ("openai", {"data": [{"id": "a"}, {"id": "a"}]}, "the list names 'a' twice"),
    ("openai", {"data": [{"name": "a"}]}, 'malformed model list entry: expected {"data": [{"id": ...}]}'),
    ("openai", {"models": []}, 'malformed model list: expected {"data": [{"id": ...}]}'),
    ("openai", "not json", "the answer is not JSON"),
    ("gemini", {"models": [{"name": "models/g"}], "nextPageToken": "same"},
     "malformed model list: nextPageToken does not move on"),
])
def test_an_untrustworthy_list_is_an_error_not_an_empty_one(interface: str, body: Any, reason: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pageToken") == "same":
            return httpx.Response(200, json=body)
        if "x-goog-api-key" not in request.headers and interface == "gemini":
            return httpx.Response(404)  # the OpenAI-compatible fallback
        return httpx.Response(200, text=body) if isinstance(body, str) else httpx.Response(200, json=body)

    with pytest.raises(ListingError) as caught:
        http_lister(transport=httpx.MockTransport(answer))(interface, "http://gw", KEY)
    assert reason in caught.value.reason


def test_anthropic_paging_that_never_moves_on_is_an_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if "x-api-key" not in request.headers:
            return httpx.Response(404)
        return httpx.Response(200, json={"data": [{"id": "a"}], "has_more": True, "last_id": "a"})

    with pytest.raises(ListingError) as caught:
        http_lister(transport=httpx.MockTransport(answer))("anthropic", "http://gw", KEY)
    assert "has_more without a new last_id" in caught.value.reason


def test_validate_exposes_exactly_the_listed_models_minus_ignored(ws: Workspace, up: Upstream, cli: Any) -> None:
    config = {"providers": {"up": {
        "api_base": up.url, "api_key": KEY, "discover": True,
        "interfaces": {"openai": {"models": {"model-03": {"ignored": True}}},
                       "anthropic": {"discover": {"exclude": ["model-1*"]}},
                       "gemini": {"discover": {"include": ["model-5*"]}}},
    }}}
    path = ws.write(config)
    loaded = ws.load()
    by_credential: dict[str, list[str]] = {}
    for d in loaded.desired.deployments or ():
        by_credential.setdefault(d.credential or "", []).append(d.model.split("/", 1)[1])
    assert by_credential == {
        "up-openai": [m for m in MODELS if m != "model-03"],
        "up-anthropic": [m for m in MODELS if not m.startswith("model-1")],
        "up-gemini": [m for m in MODELS if m.startswith("model-5")],
    }
    result = cli("validate", "--config", str(path))
    assert result.code == 0, result.err
    assert f"56 models discovered at {up.url}/v1/models (credential up-openai)" in result.out
    assert f"7 models discovered at {up.url}/v1beta/models (credential up-gemini)" in result.out


def test_validate_and_plan_name_provider_and_url_of_an_unreachable_list(ws: Workspace, cli: Any) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    config = {"providers": {"gw": {"api_base": "http://gw:8045", "models_api_base": dead, "api_key": "${GW_KEY}",
                                   "discover": True, "interfaces": {"openai": {}}}}}
    path = ws.write(config, env=f"GW_KEY={KEY}\n")
    for command in (["validate"], ["plan", "--base-url", "http://127.0.0.1:9", "--api-key", "sk-master-unused"]):
        result = cli(*command, "--config", str(path), "--env-file", str(ws.root / ".env"))
        assert result.code != 0
        assert (f"providers.gw.interfaces.openai: model discovery of provider 'gw' interface 'openai' failed: "
                f"GET {dead}/v1/models: cannot connect") in result.err, result.err
        assert KEY not in result.out + result.err
        assert "Traceback" not in result.err


def test_nothing_discovered_is_written_anywhere(ws: Workspace, up: Upstream) -> None:
    ws.write({"providers": {"up": {"api_base": up.url, "api_key": KEY, "discover": True,
                                   "interfaces": {"openai": {}}}}})
    before = sorted(p.name for p in ws.root.iterdir())
    assert len(ws.load().desired.deployments or ()) == len(MODELS)
    after = sorted(p.name for p in ws.root.iterdir())
    assert after == before
    assert json.loads((ws.root / "config.json").read_text())["providers"]["up"]["discover"] is True
