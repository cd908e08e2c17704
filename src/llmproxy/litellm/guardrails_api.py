"""LiteLLM's guardrail endpoints (DB guardrails, LiteLLM 1.106, open source: no licence needed).

* ``GET /v2/guardrails/list``: the active DB guardrails (``guardrail_definition_location: "db"``)
  and those of LiteLLM's own config file (``"config"``, read-only through the API). Each
  ``litellm_params`` comes back with every field of LiteLLM's guardrail model filled in (mostly
  null, some with a default such as ``unreachable_fallback: "fail_closed"``) and secret-named
  values masked (``sk****56``); ``guardrail_info`` comes back as it was stored.
* ``POST /guardrails`` ``{"guardrail": {...}}``: creates one under a server-made UUID; a second
  guardrail with the same name is refused (HTTP 500, "Unique constraint failed"). An
  initialisation error (e.g. an unknown ``guardrail`` type) answers 400 and nothing is stored.
* ``PUT /guardrails/{id}``: replaces name, ``litellm_params`` and ``guardrail_info`` (an invalid
  configuration answers 422 and the old one is restored). Safe to repeat.
* ``DELETE /guardrails/{id}``: 404 when already gone.

Every write also (re)initialises the guardrail in the memory of the LiteLLM that answered; other
replicas pick it up from the database on their next reload.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from llmproxy.errors import LLMProxyError, NotFound, UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.live.marker import Marker
from llmproxy.live.model import LiveGuardrail, strip_marker

LIST = "GET /v2/guardrails/list"


def without_nulls(value: Any) -> Any:
    """``value`` with null-valued keys dropped at every depth (LiteLLM fills in absent fields as null)."""
    if isinstance(value, Mapping):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def parse_guardrail(raw: Any) -> LiveGuardrail:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("guardrail_name"), str):
        raise UnexpectedResponse(f"{LIST}: a guardrail without 'guardrail_name'", endpoint=LIST)
    params = raw.get("litellm_params")
    info = raw.get("guardrail_info")
    if (params is not None and not isinstance(params, Mapping)) or (info is not None and not isinstance(info, Mapping)):
        raise UnexpectedResponse(f"{LIST}: guardrail {raw['guardrail_name']!r} has malformed litellm_params or "
                                 "guardrail_info", endpoint=LIST)
    location = raw.get("guardrail_definition_location") or "db"
    return LiveGuardrail(id=str(raw.get("guardrail_id") or ""), name=raw["guardrail_name"],
                         litellm_params=without_nulls(dict(params or {})), info=strip_marker(info),
                         marker=Marker.parse(info), source=str(location))


def list_guardrails(client: LiteLLMClient) -> dict[str, LiveGuardrail]:
    """Every guardrail LiteLLM lists, by name (the name is unique in LiteLLM's table)."""
    body = client.get("/v2/guardrails/list")
    items = body.get("guardrails") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise UnexpectedResponse(f"{LIST}: expected an object with a 'guardrails' list", endpoint=LIST)
    out: dict[str, LiveGuardrail] = {}
    for raw in items:
        g = parse_guardrail(raw)
        # A DB guardrail wins over a config-file one of the same name (LiteLLM lists both).
        if g.name not in out or out[g.name].read_only:
            out[g.name] = g
    return out


def _body(name: str, params: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, Any]:
    return {"guardrail": {"guardrail_name": name, "litellm_params": dict(params), "guardrail_info": dict(info)}}


def create_guardrail(client: LiteLLMClient, name: str, params: Mapping[str, Any], info: Mapping[str, Any],
                     owner: str) -> str:
    """Create it and return its id. Not repeated blindly (LiteLLM answers a repeat with a 500): on
    a failure, an earlier attempt may have landed: a guardrail of this name with our marker is the
    one we created, and is updated to be sure."""
    try:
        body = client.request("POST", "/guardrails", json=_body(name, params, info))
    except LLMProxyError as failure:
        try:
            existing = list_guardrails(client).get(name)
        except LLMProxyError:
            raise failure from None
        if existing is None or existing.read_only or existing.marker is None or existing.marker.owner != owner:
            raise
        update_guardrail(client, existing.id, name, params, info)
        return existing.id
    gid = body.get("guardrail_id") if isinstance(body, Mapping) else None
    if not isinstance(gid, str) or not gid:
        raise UnexpectedResponse("POST /guardrails: the answer has no 'guardrail_id'", endpoint="POST /guardrails")
    return gid


def update_guardrail(client: LiteLLMClient, gid: str, name: str, params: Mapping[str, Any],
                     info: Mapping[str, Any]) -> None:
    client.request("PUT", f"/guardrails/{gid}", json=_body(name, params, info), retry=True)


def delete_guardrail(client: LiteLLMClient, gid: str) -> None:
    with contextlib.suppress(NotFound):  # already gone (a retried delete whose answer was lost)
        client.request("DELETE", f"/guardrails/{gid}", retry=True)
