"""LiteLLM's key, user and team endpoints: the requests and the shapes of their answers. The
``keys`` package decides what to do (aliases, rotation, defaults); this module only talks."""

from __future__ import annotations

from typing import Any

from llmproxy.errors import UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.pages import KEYS, USERS, read_all

GENERATE = "POST /key/generate"
REGENERATE = "POST /key/{key}/regenerate"


def _object(body: Any, endpoint: str, field: str | None = None) -> dict[str, Any]:
    value = body.get(field) if field and isinstance(body, dict) else body
    if not isinstance(value, dict):
        what = f"a '{field}' object" if field else "an object"
        raise UnexpectedResponse(f"{endpoint}: expected {what}", endpoint=endpoint)
    return value


def list_keys(client: LiteLLMClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    return read_all(client, KEYS, params)


def list_users(client: LiteLLMClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    return read_all(client, USERS, params)


def generate_key(client: LiteLLMClient, body: dict[str, Any]) -> Any:
    """Never retried: a repeat would mint a second key."""
    return client.request("POST", "/key/generate", json=body)


def regenerate_key(client: LiteLLMClient, token: str) -> Any:
    return client.request("POST", f"/key/{token}/regenerate", json={})


def key_info(client: LiteLLMClient, token: str) -> dict[str, Any]:
    return _object(client.get("/key/info", key=token), "GET /key/info", "info")


def calling_key_info(client: LiteLLMClient) -> Any:
    """``/key/info`` without ``key``: the calling key (404 for the master key, not a table row)."""
    return client.get("/key/info")


def update_key(client: LiteLLMClient, body: dict[str, Any]) -> None:
    """A merge patch: safe to repeat."""
    client.request("POST", "/key/update", json=body, retry=True)


def delete_key(client: LiteLLMClient, token: str, shown: str) -> None:
    """Delete one key by its hash; fails unless LiteLLM confirms it (``shown``: for messages)."""
    body = client.request("POST", "/key/delete", json={"keys": [token]})
    deleted = body.get("deleted_keys") if isinstance(body, dict) else None
    if not isinstance(deleted, list) or token not in deleted:
        raise UnexpectedResponse(f"POST /key/delete: LiteLLM did not confirm deleting key {shown}",
                                 endpoint="POST /key/delete")


def user_info(client: LiteLLMClient, user_id: str) -> dict[str, Any]:
    return _object(client.get("/user/info", user_id=user_id), "GET /user/info", "user_info")


def new_user(client: LiteLLMClient, body: dict[str, Any]) -> dict[str, Any]:
    return _object(client.request("POST", "/user/new", json=body), "POST /user/new")


def team_info(client: LiteLLMClient, team_id: str) -> dict[str, Any]:
    """The team's row (``team_alias``, ...)."""
    return _object(client.get("/team/info", team_id=team_id), "GET /team/info", "team_info")
