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
from llmproxy.live.marker import Marker, is_secret_name
from llmproxy.live.model import LiveGuardrail, strip_marker

LIST = "GET /v2/guardrails/list"
#: The values LiteLLM 1.106 fills into the ``litellm_params`` of every guardrail, whatever its
#: integration (read from a guardrail created with only ``guardrail`` and ``mode``). Not what a
#: user set: left out of exports and not sent back when a write keeps the other fields.
SERVER_DEFAULTS: dict[str, Any] = {
    "action": "block", "block_on_violation": True, "breakdown": True, "ccr_retrieval": True,
    "chunk_budget_chars": 25000, "confidence_threshold": 0.5, "content_filter_threshold": 0.5,
    "contextual_grounding_from_messages": False, "default_action": "deny", "default_on": False,
    "detect_execution_intent": True, "dev_info": True, "disable_exception_on_block": False,
    "experimental_use_latest_role_message_only": False, "fail_on_error": True, "include_evidence": True,
    "include_scanners": True, "is_detector_server": True, "mask": False, "on_disallowed_action": "block",
    "on_flagged": "block", "on_flagged_action": "monitor", "only_scan_new_messages": False, "payload": True,
    "pii_confidence_threshold": 0.5, "presidio_language": "en", "prompt_attack_threshold": 0.5,
    "sanitize_error_detail": True, "send_user_api_key_alias": False, "send_user_api_key_team_id": False,
    "send_user_api_key_user_id": False, "skip_unscannable_attachments": False,
    "sticky_session_routing": True, "unreachable_fallback": "fail_closed", "use_v2": False,
    "verify_ssl": True, "version": 2,
}


def user_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without the values LiteLLM fills in by itself."""
    return {k: v for k, v in params.items() if not (k in SERVER_DEFAULTS and v == SERVER_DEFAULTS[k])}


def kept_params(desired: Mapping[str, Any], live: LiveGuardrail | None) -> dict[str, Any]:
    """What a write sends back of the live ``litellm_params`` (``PUT`` replaces them whole): the
    fields someone else set, i.e. neither in the config, nor set by llmproxy before (the marker),
    nor a server default, nor a secret (LiteLLM shows those masked: the planner refuses to write
    over one it cannot keep, see ``kinds.guardrails``)."""
    if live is None:
        return {}
    ours = set(live.marker.fields) if live.marker else set()
    return {k: v for k, v in user_params(live.litellm_params).items()
            if k not in desired and k not in ours and not is_secret_name(k)}


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
