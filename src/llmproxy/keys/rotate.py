"""``keys rotate``: a new secret for the same alias and limits; the old secret stops working.

LiteLLM's ``/key/{hash}/regenerate`` does exactly that, but only with an Enterprise licence (the
open-source proxy answers 500 "Regenerating Virtual Keys is an Enterprise feature"). Then the same
result is reached in three steps, ordered so that an interruption never loses access and never
leaves the old secret working unnoticed:

1. mint a new key with the old key's settings under a temporary alias ``<alias>.rotating-<hex>``
   (aliases are unique, and the old key still holds the real one);
2. delete the old key (if that fails and the old key is still there, the new key is deleted again:
   nothing changed);
3. give the new key the real alias.

If step 3 fails, the new key works and is printed anyway; the error says how to finish
(``keys update <temporary alias> --alias <alias>``), and ``keys`` commands that do not find the
alias point at the leftover too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from llmproxy.errors import AuthError, LLMProxyError, ServerError
from llmproxy.keys.durations import parse_timestamp, remaining
from llmproxy.keys.lookup import ROTATING_MARK, alias_taken, list_keys, short, token_hash
from llmproxy.keys.service import Minted, delete_key, generate, key_info, new_secret
from llmproxy.litellm import keys_api as api
from llmproxy.litellm.client import LiteLLMClient

# Settings copied to the replacement key when they are set on the old one.
COPY_FIELDS = (
    "models", "spend", "max_budget", "budget_duration", "user_id", "team_id", "agent_id",
    "organization_id", "project_id", "max_parallel_requests", "metadata", "tpm_limit", "rpm_limit",
    "tpd_limit", "allowed_cache_controls", "config", "permissions", "model_max_budget",
    "budget_fallbacks", "model_rpm_limit", "model_tpm_limit", "mcp_rpm_limit", "tag_rpm_limit",
    "blocked", "aliases", "policies", "budget_id", "allowed_routes", "access_group_ids", "key_type",
    "router_settings",
)
OBJECT_PERMISSION_FIELDS = (
    "mcp_servers", "mcp_access_groups", "mcp_tool_permissions", "mcp_toolsets", "blocked_tools",
    "vector_stores", "agents", "agent_access_groups", "models", "search_tools",
    "mcp_tool_search_enabled", "skills",
)


class RotationIncomplete(LLMProxyError):
    """Rotation stopped half-way; ``minted`` is a new key that exists and must be shown."""

    def __init__(self, message: str, hint: str, minted: Minted) -> None:
        super().__init__(message, hint)
        self.minted = minted


def is_enterprise_refusal(exc: LLMProxyError) -> bool:
    text = exc.message.lower()
    return isinstance(exc, (ServerError, AuthError)) and ("enterprise" in text or "premium" in text)


def _set(value: Any) -> bool:
    return value not in (None, "", [], {})


def replacement_body(info: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """``/key/generate`` fields that recreate the key ``info`` describes (same limits, same expiry)."""
    body = {name: info[name] for name in COPY_FIELDS if _set(info.get(name))}
    windows = info.get("budget_limits")
    if isinstance(windows, list) and windows:
        body["budget_limits"] = [{"budget_duration": w.get("budget_duration"), "max_budget": w.get("max_budget")}
                                 for w in windows if isinstance(w, dict)]
    permission = info.get("object_permission")
    if isinstance(permission, dict):
        kept = {k: permission[k] for k in OBJECT_PERMISSION_FIELDS if _set(permission.get(k))}
        if kept:
            body["object_permission"] = kept
    expires = parse_timestamp(info.get("expires"))
    if expires is not None:
        left = remaining(expires, now or datetime.now(UTC))
        name = info.get("key_alias") or short(info.get("token"))
        if left is None:
            raise LLMProxyError(f"key {name} expired at {info.get('expires')}; a rotated key would be expired too",
                                hint=f"give it a new expiry first: `llmproxy keys update {name} --duration 30d`")
        body["duration"] = left
    return body


def rotate_key(client: LiteLLMClient, ref: str) -> Minted:
    info = key_info(client, ref)
    try:
        row = api.regenerate_key(client, info["token"])
    except LLMProxyError as exc:
        if not is_enterprise_refusal(exc):
            raise
        return _recreate(client, info)
    return Minted(key=new_secret(row, api.REGENERATE), row=row, method="regenerate")


def _still_there(client: LiteLLMClient, token: str) -> bool:
    return bool(list_keys(client, key_hash=token))


def _recreate(client: LiteLLMClient, info: dict[str, Any]) -> Minted:
    alias: str | None = info.get("key_alias")
    old = info["token"]
    ref = alias or short(old)  # how commands in hints address the key
    body = replacement_body(info)
    temp = f"{alias[:230]}{ROTATING_MARK}{secrets.token_hex(3)}" if alias else None
    if temp:
        body["key_alias"] = temp
    try:
        new_key, row = generate(client, body)
    except LLMProxyError as exc:
        leftover = alias_taken(client, temp) if temp else None
        if leftover:  # created although the answer was lost: nobody knows its secret
            delete_key(client, leftover)
        raise LLMProxyError(f"rotation of key {ref} failed before anything changed: {exc.message}",
                            hint=exc.hint) from None
    minted = Minted(key=new_key, row=row, method="recreate")
    new = row.get("token") or token_hash(new_key)
    try:
        delete_key(client, {"token": old})
    except LLMProxyError as exc:
        if _still_there(client, old):
            _undo(client, ref, old, new, temp, exc, minted)
    if alias:
        try:
            api.update_key(client, {"key": new, "key_alias": alias})
        except LLMProxyError as exc:
            raise RotationIncomplete(
                f"key {alias} was rotated (the old key is deleted, the new key printed on stdout works) "
                f"but it is still under the temporary alias {temp}: {exc.message}",
                hint=f"finish with `llmproxy keys update {temp} --alias {alias}`", minted=minted) from None
        row = {**row, "key_alias": alias}
    return Minted(key=new_key, row=row, method="recreate")


def _undo(client: LiteLLMClient, ref: str, old: str, new: str, temp: str | None, cause: LLMProxyError,
          minted: Minted) -> None:
    """The old key could not be deleted: delete the new one again so that nothing changed."""
    try:
        delete_key(client, {"token": new})
    except LLMProxyError:
        finish = f", then `llmproxy keys update {temp} --alias {ref}`" if temp else ""
        raise RotationIncomplete(
            f"rotation of key {ref} is incomplete: the old key could not be deleted ({cause.message}) "
            "and neither could the new one (printed on stdout); both work",
            hint=f"delete the old key with `llmproxy keys delete {short(old)} --yes`{finish}",
            minted=minted) from None
    raise LLMProxyError(f"rotation of key {ref} failed: the old key could not be deleted ({cause.message}); "
                        "the new key was deleted again and the old key still works",
                        hint=cause.hint or f"run `llmproxy keys rotate {ref}` again") from None
