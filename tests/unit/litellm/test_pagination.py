"""``get_all_models`` reads the complete inventory from ``/v2/model/info``, or fails."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from llmproxy.errors import ServerError, UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient
from tests.unit.litellm.conftest import MakeClient, ids, litellm_pages, model

ENDPOINT = "/v2/model/info"


def pages_requested(route: respx.Route) -> list[int]:
    return [int(call.request.url.params["page"]) for call in route.calls]


def test_reads_every_page_in_order(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages([model(i) for i in range(5)]))
    assert ids(client.get_all_models()) == [f"id-{i}" for i in range(5)]
    assert pages_requested(route) == [1, 2, 3]
    assert {call.request.url.params["size"] for call in route.calls} == {"2"}
    assert client.stats["GET /v2/model/info"] == 3


def test_a_full_last_page_needs_no_extra_request(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages([model(i) for i in range(4)]))
    assert len(client.get_all_models()) == 4
    assert pages_requested(route) == [1, 2]


def test_empty_inventory_is_one_request(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages([]))
    assert client.get_all_models() == []
    assert route.call_count == 1


def test_an_empty_page_ends_the_listing(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    # The server promises more pages than it has; the empty page is the truth.
    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages([model(i) for i in range(4)], total_pages=9))
    assert len(client.get_all_models()) == 4
    assert pages_requested(route) == [1, 2, 3]


def test_a_failed_later_page_fails_the_read_instead_of_returning_part(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    pages = litellm_pages([model(i) for i in range(5)])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "2":
            return httpx.Response(500, json={"error": {"message": "boom", "code": "500"}})
        return pages(request)

    mock.get(ENDPOINT).mock(side_effect=handler)
    with pytest.raises(ServerError, match="GET /v2/model/info failed with HTTP 500"):
        client.get_all_models()


def test_total_pages_too_low_does_not_cut_the_listing_short(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    # total_pages says 1, but total_count says there are 5: keep reading.
    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages([model(i) for i in range(5)], total_pages=1))
    assert len(client.get_all_models()) == 5
    assert pages_requested(route) == [1, 2, 3]


def test_inconsistent_totals_across_pages_still_return_everything(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    items = [model(i) for i in range(5)]
    pages = litellm_pages(items)
    wrong = {1: {"total_count": 3, "total_pages": 2}, 2: {"total_count": 7, "total_pages": 4}}

    def handler(request: httpx.Request) -> httpx.Response:
        response = pages(request)
        body = response.json() | wrong.get(int(request.url.params["page"]), {})
        return httpx.Response(200, json=body)

    route = mock.get(ENDPOINT).mock(side_effect=handler)
    assert ids(client.get_all_models()) == ids(items)
    assert route.call_count <= 9  # a bounded number of re-reads, never an endless loop


def test_a_listing_that_changed_mid_read_is_read_again(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    # Someone adds a model at the front between our page 1 and page 2: offset pagination shifts
    # everything by one, so page 2 repeats an item and the new one was never seen.
    inventory = [model(i) for i in range(4)]
    served = []

    def current() -> list[dict[str, Any]]:
        served.append(1)
        if len(served) == 2:  # while serving the second request
            inventory.insert(0, model("new"))
        return inventory

    route = mock.get(ENDPOINT).mock(side_effect=litellm_pages(current))
    assert sorted(ids(client.get_all_models())) == sorted(["id-new"] + [f"id-{i}" for i in range(4)])
    assert pages_requested(route)[:4] == [1, 2, 3, 1]  # a second pass from page 1


def test_a_page_that_repeats_items_is_deduplicated(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    a, b, c, d = (model(x) for x in "abcd")
    pages = {1: [a, b], 2: [b, c], 3: [d]}
    mock.get(ENDPOINT).mock(side_effect=lambda request: httpx.Response(200, json={
        "data": pages[int(request.url.params["page"])], "total_count": 4, "total_pages": 3, "size": 2}))
    assert ids(client.get_all_models()) == ["id-a", "id-b", "id-c", "id-d"]


@pytest.mark.parametrize("extra", [
    {"total_count": 6, "total_pages": 3},  # plausible totals
    {},  # no totals at all
    {"total_count": 6, "total_pages": 1},
], ids=["with-totals", "without-totals", "one-page-claimed"])
def test_a_server_that_ignores_page_fails_fast(
        client: LiteLLMClient, mock: respx.MockRouter, extra: dict[str, int]) -> None:
    route = mock.get(ENDPOINT).mock(
        return_value=httpx.Response(200, json={"data": [model(1), model(2)], **extra}))
    with pytest.raises(UnexpectedResponse) as err:
        client.get_all_models()
    assert "GET /v2/model/info" in str(err.value) and "'page'" in str(err.value)
    assert route.call_count == 2  # noticed on the first repeat: no loop, no silent truncation


def test_fewer_models_than_counted_is_an_error(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.get(ENDPOINT).mock(return_value=httpx.Response(200, json={
        "data": [model(1)], "total_count": 10, "total_pages": 5, "size": 2}))
    with pytest.raises(UnexpectedResponse, match=r"read 1 models but LiteLLM counted 10"):
        client.get_all_models()
    assert route.call_count == 3  # re-read in case the list was changing, then give up


def test_the_page_size_the_server_reports_wins(make_client: MakeClient, mock: respx.MockRouter) -> None:
    # We ask for 3 per page; the server caps pages at 2 and says so.
    items = [model(i) for i in range(5)]
    mock.get(ENDPOINT).mock(side_effect=lambda request: litellm_pages(items)(
        httpx.Request("GET", request.url.copy_set_param("size", "2"))))
    assert ids(make_client(page_size=3).get_all_models()) == ids(items)


def test_every_page_is_retried_on_its_own(client: LiteLLMClient, mock: respx.MockRouter,
                                          sleeps: list[float]) -> None:
    pages = litellm_pages([model(i) for i in range(5)])
    answers = iter([pages, lambda r: httpx.Response(503), pages, pages])
    route = mock.get(ENDPOINT).mock(side_effect=lambda request: next(answers)(request))
    assert len(client.get_all_models()) == 5
    assert pages_requested(route) == [1, 2, 2, 3]
    assert len(sleeps) == 1


@pytest.mark.parametrize("body, what", [
    ([model(1)], "'data' list"),
    ({"models": []}, "'data' list"),
    ({"data": {"a": 1}}, "'data' list"),
    ({"data": ["gpt-4o"]}, "model_info.id"),
    ({"data": [{"model_name": "x"}]}, "model_info.id"),
    ({"data": [{"model_name": "x", "model_info": {"db_model": True}}]}, "model_info.id"),
])
def test_unexpected_shapes_name_the_endpoint(client: LiteLLMClient, mock: respx.MockRouter,
                                             body: Any, what: str) -> None:
    mock.get(ENDPOINT).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UnexpectedResponse) as err:
        client.get_all_models()
    assert "GET /v2/model/info" in str(err.value) and what in str(err.value)
    assert err.value.endpoint == "GET /v2/model/info"
