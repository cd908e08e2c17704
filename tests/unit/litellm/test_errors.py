"""Error mapping: one clear ``llmproxy.errors`` type per failure, naming the endpoint, no secrets.

The LiteLLM bodies below are the ones LiteLLM 1.106 really sends (see its source:
``CommonProxyErrors.db_not_connected_error``, ``add_new_model``, ``user_api_key_auth``,
``handle_exception_on_proxy``, and ``tests/harness/OBSERVED-API.md``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
import respx

from llmproxy.errors import (
    AuthError,
    Conflict,
    ConnectionFailed,
    LLMProxyError,
    NotFound,
    ServerError,
    UnexpectedResponse,
)
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.responses import error_message
from llmproxy.redaction import redactor
from tests.unit.litellm.conftest import BASE, MASTER_KEY

DB_NOT_CONNECTED = ("DB not connected. This endpoint needs a database; set DATABASE_URL to a PostgreSQL "
                    "connection string (postgresql://...) to enable it. "
                    "See https://docs.litellm.ai/docs/proxy/virtual_keys")
STORE_MODEL = "Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature."


def proxy_error(status: int, message: str, type_: str = "auth_error") -> httpx.Response:
    """LiteLLM's ``ProxyException`` body."""
    return httpx.Response(status, json={"error": {"message": message, "type": type_, "param": "None",
                                                  "code": str(status)}})


def full_text(err: LLMProxyError) -> str:
    return f"{err}\n{err.hint or ''}"


# -- auth ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, body", [
    (401, {"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error",
                     "param": "None", "code": "401"}}),
    (401, {"error": {"message": "Authentication Error, Invalid proxy server token passed. Received API Key = "
                                f"sk-...{MASTER_KEY[-4:]}, Key Hash (Token) ="
                                f"{hashlib.sha256(MASTER_KEY.encode()).hexdigest()}. Unable to find token in "
                                "cache or `LiteLLM_VerificationTokenTable`",
                     "type": "token_not_found_in_db", "param": "key", "code": "401"}}),
    (403, {"detail": "Only proxy admins can update config"}),
])
def test_a_rejected_key_is_an_auth_error_asking_for_the_master_key(
        client: LiteLLMClient, mock: respx.MockRouter, status: int, body: dict[str, Any]) -> None:
    route = mock.get("/credentials").mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(AuthError) as err:
        client.get_credentials()
    text = full_text(err.value)
    assert "GET /credentials" in text and f"HTTP {status}" in text
    assert "is it the master key?" in text and "LITELLM_API_KEY" in text
    # LiteLLM echoes the key abbreviated and hashed: neither form, nor the key, is shown.
    assert MASTER_KEY not in text and MASTER_KEY[-4:] not in text
    assert hashlib.sha256(MASTER_KEY.encode()).hexdigest() not in text
    assert route.call_count == 1  # never retried


def test_a_non_master_key_without_a_database_is_explained(client: LiteLLMClient,
                                                          mock: respx.MockRouter) -> None:
    mock.get("/credentials").mock(return_value=proxy_error(400, "No connected db.", "no_db_connection"))
    with pytest.raises(AuthError) as err:
        client.get_credentials()
    text = full_text(err.value)
    assert "not the master key" in text and "DATABASE_URL" in text and "GET /credentials" in text


# -- LiteLLM without a database / without STORE_MODEL_IN_DB ---------------------------------

@pytest.mark.parametrize("method, path, response", [
    # /v2/model/info with models but no DB: a plain FastAPI HTTPException.
    ("GET", "/v2/model/info", httpx.Response(500, json={"detail": {"error": DB_NOT_CONNECTED}})),
    # POST /credentials: the HTTPException wrapped by handle_exception_on_proxy (str of a dict).
    ("POST", "/credentials", proxy_error(500, str({"error": DB_NOT_CONNECTED}), "internal_server_error")),
    # POST /config/update: a bare Exception wrapped as an auth_error 400.
    ("POST", "/config/update", proxy_error(400, "Authentication Error, No DB Connected")),
])
def test_no_database_names_the_env_vars_to_set(client: LiteLLMClient, mock: respx.MockRouter,
                                               method: str, path: str, response: httpx.Response) -> None:
    route = mock.route(method=method, path=path).mock(return_value=response)
    with pytest.raises(ServerError) as err:
        client.request(method, path, json={} if method != "GET" else None)
    text = full_text(err.value)
    assert f"{method} {path}" in text and "no database" in text
    assert "DATABASE_URL" in (err.value.hint or "") and "STORE_MODEL_IN_DB" in (err.value.hint or "")
    assert err.value.endpoint == f"{method} {path}"
    assert route.call_count == 1


@pytest.mark.parametrize("message", [
    str({"error": STORE_MODEL}),  # POST /model/new, /model/delete, /model/update
    "Database storage not enabled. Set 'STORE_MODEL_IN_DB=True' in your environment to use this feature.",
    "Model updates only supported for DB-stored models",  # PATCH /model/{id}/update
])
def test_store_model_in_db_missing_names_the_env_var(client: LiteLLMClient, mock: respx.MockRouter,
                                                     message: str) -> None:
    mock.post("/model/new").mock(return_value=proxy_error(500, message))
    with pytest.raises(ServerError) as err:
        client.request("POST", "/model/new", json={"model_name": "m"})
    assert "POST /model/new" in str(err.value) and "does not store models" in str(err.value)
    assert "STORE_MODEL_IN_DB=True" in (err.value.hint or "")


# -- other statuses ---------------------------------------------------------------------------

@pytest.mark.parametrize("response, kind, reason", [
    (httpx.Response(404, json={"detail": "Credential not found. Got credential name: nope"}), NotFound,
     "Credential not found. Got credential name: nope"),
    (proxy_error(400, "Authentication Error, model not found"), NotFound,
     "Authentication Error, model not found"),
    (proxy_error(400, str({"error": "Model with id=gone not found in db"})), NotFound,
     "Model with id=gone not found in db"),
    (proxy_error(409, "Credential 'c' already exists. Update it with PATCH /credentials/c, "
                      "or delete it first.",
                 "internal_server_error"), Conflict,
     "Credential 'c' already exists. Update it with PATCH /credentials/c, or delete it first."),
    (proxy_error(500, "table not found"), ServerError, "table not found"),
    (httpx.Response(422, json={"detail": [{"type": "dict_type", "loc": ["body", "model_group_alias"],
                                           "msg": "Input should be a valid dictionary"}]}),
     ServerError, "body.model_group_alias: Input should be a valid dictionary"),
    (httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1>\n</body></html>"), ServerError,
     "an HTML page (Bad Gateway), not LiteLLM's JSON API"),
])
def test_error_statuses_map_to_types_with_litellm_reason(
        client: LiteLLMClient, mock: respx.MockRouter, response: httpx.Response,
        kind: type[ServerError], reason: str) -> None:
    mock.post("/x").mock(return_value=response)
    with pytest.raises(ServerError) as err:
        client.request("POST", "/x", json={})
    assert type(err.value) is kind
    assert str(err.value) == f"POST /x failed with HTTP {response.status_code}: {reason}"


def test_an_empty_success_body_is_none(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.delete("/credentials/c").mock(return_value=httpx.Response(204))
    assert client.request("DELETE", "/credentials/c") is None


def test_a_redirect_is_an_error_naming_where(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.get("/credentials").mock(
        return_value=httpx.Response(307, headers={"Location": "https://gw/credentials"}))
    with pytest.raises(ServerError) as err:
        client.get("/credentials")
    assert "GET /credentials" in str(err.value) and "https://gw/credentials" in str(err.value)


# -- unexpected responses -------------------------------------------------------------------

def test_a_body_that_is_not_json_names_the_endpoint(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.get("/v2/model/info").mock(return_value=httpx.Response(
        200, headers={"Content-Type": "text/html"}, text="<!DOCTYPE html><title>LiteLLM UI</title>"))
    with pytest.raises(UnexpectedResponse) as err:
        client.get_all_models()
    text = full_text(err.value)
    assert "GET /v2/model/info" in text and "not JSON" in text and "text/html" in text
    assert "--base-url" in text


@pytest.mark.parametrize("method, body", [
    ("get_credentials", {"success": True}),
    ("get_credentials", {"credentials": {"c": {}}}),
    ("get_credentials", {"credentials": ["c"]}),
    ("get_credentials", {"credentials": [{"display_name": "c"}]}),
    ("get_credentials", ["c"]),
    ("get_router_settings", {"fields": []}),
    ("get_router_settings", {"current_values": None}),
    ("get_router_settings", "ok"),
])
def test_unexpected_shapes_name_the_endpoint(client: LiteLLMClient, mock: respx.MockRouter,
                                             method: str, body: Any) -> None:
    path = {"get_credentials": "/credentials", "get_router_settings": "/router/settings"}[method]
    mock.get(path).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UnexpectedResponse) as err:
        getattr(client, method)()
    assert str(err.value).startswith(f"GET {path}: expected")
    assert err.value.endpoint == f"GET {path}"


def test_typed_reads_return_the_payload(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    cred = {"credential_name": "c", "credential_values": {"api_key": "sk****ef"}, "credential_info": {}}
    mock.get("/credentials").mock(
        return_value=httpx.Response(200, json={"success": True, "credentials": [cred]}))
    mock.get("/router/settings").mock(
        return_value=httpx.Response(200, json={"current_values": {"num_retries": 2}}))
    assert client.get_credentials() == [cred]
    assert client.get_router_settings()["current_values"] == {"num_retries": 2}


# -- secrets never appear in errors -----------------------------------------------------------

PROVIDER_KEY = "sk-provider-secret-value-42"


def echo_responses() -> list[httpx.Response | Exception]:
    echoed = f"bad request: {{'api_key': '{PROVIDER_KEY}', 'master': '{MASTER_KEY}'}}"
    return [
        proxy_error(400, echoed),
        httpx.Response(500, json={"detail": echoed}),
        httpx.Response(400, text=echoed),
        httpx.Response(422, json={"detail": [{"loc": ["body", PROVIDER_KEY], "msg": echoed}]}),
        httpx.Response(401, json={"error": {"message": echoed}}),
        httpx.Response(500, json={"detail": {"error": f"DB not connected {echoed}"}}),
        httpx.Response(200, text=f"<html>{echoed}</html>"),
        httpx.Response(302, headers={"Location": f"https://gw/?key={MASTER_KEY}"}),
        httpx.ConnectError(f"cannot connect with {MASTER_KEY} {PROVIDER_KEY}"),
        httpx.ReadError(f"reset while sending {PROVIDER_KEY}"),
    ]


@pytest.mark.parametrize("answer", echo_responses(),
                         ids=["proxy-error", "detail", "text", "validation", "auth", "db", "2xx-html",
                              "redirect", "connect-error", "read-error"])
def test_secrets_echoed_by_the_server_never_reach_the_message(
        client: LiteLLMClient, mock: respx.MockRouter, answer: httpx.Response | Exception) -> None:
    redactor.add(PROVIDER_KEY)
    mock.post("/credentials").mock(side_effect=[answer] * 5)
    with pytest.raises(LLMProxyError) as err:
        client.request("POST", "/credentials", json={"credential_values": {"api_key": PROVIDER_KEY}})
    text = full_text(err.value)
    assert PROVIDER_KEY not in text and MASTER_KEY not in text
    assert "(sensitive)" in text
    assert "POST /credentials" in text


def test_error_message_unwraps_litellm_shapes() -> None:
    assert error_message(proxy_error(400, str({"error": "Model with id=x not found in db"}))) == \
        "Model with id=x not found in db"
    assert error_message(httpx.Response(500, json={"detail": {"error": "nope"}})) == "nope"
    assert error_message(httpx.Response(500, json={"error": "flat"})) == "flat"
    assert error_message(proxy_error(400, "{'not': 'python'")) == "{'not': 'python'"
    assert error_message(httpx.Response(503, text="")) == "Service Unavailable"


# -- the client refuses keys it cannot send --------------------------------------------------

@pytest.mark.parametrize("key", ["sk-master\n", "sk master", "sk-mästerkey"])
def test_a_key_that_cannot_be_a_header_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(LLMProxyError) as err:
        LiteLLMClient(BASE, key)
    assert key.strip() not in full_text(err.value) and "admin key" in str(err.value)


def test_connect_failure_is_connection_failed_not_a_traceback(sleeps: list[float]) -> None:
    # A real socket: nothing listens on port 9 of loopback.
    with LiteLLMClient("http://127.0.0.1:9", MASTER_KEY, sleep=sleeps.append) as client, \
            pytest.raises(ConnectionFailed) as err:
        client.get("/credentials")
    assert "cannot reach LiteLLM at http://127.0.0.1:9 after 5 attempts" in str(err.value)
    assert len(sleeps) == 4
