"""Addressing a key: by alias (the normal way), by its ``sk-`` token, its sha256 hash, or a hash
prefix as ``keys list``/``keys info`` show it (for keys that have no alias).

Only hashes go over the wire: a token given on the command line is hashed here, so it never ends
up in a URL or an access log.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from llmproxy.errors import LLMProxyError, NotFound
from llmproxy.litellm import keys_api as api
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.probe import user_role
from llmproxy.redaction import redactor

HASH = re.compile(r"[0-9a-f]{64}")
HASH_PREFIX = re.compile(r"[0-9a-f]{8,63}")
SHOWN_PREFIX = 12  # hex characters of the hash that list/info show
ROTATING_MARK = ".rotating-"  # temporary alias of a key being rotated: <alias>.rotating-<hex>


class AmbiguousKey(LLMProxyError):
    """The reference matches more than one key."""


def token_hash(token: str) -> str:
    """LiteLLM's primary key for a virtual key: the sha256 hex of the ``sk-...`` token."""
    return hashlib.sha256(token.encode()).hexdigest()


def short(token_or_hash: object) -> str:
    return str(token_or_hash or "")[:SHOWN_PREFIX]


def list_keys(client: LiteLLMClient, **filters: Any) -> list[dict[str, Any]]:
    """Every key (full objects, with the owning user) matching LiteLLM's exact filters."""
    params = {"return_full_object": "true", "expand": "user"}
    params.update({k: v for k, v in filters.items() if v is not None})
    return api.list_keys(client, params)


def describe(ref: str) -> str:
    """How to name a reference in messages, without repeating a secret."""
    if ref.startswith("sk-"):
        return "the given key"
    if HASH.fullmatch(ref):
        return f"hash {short(ref)}"
    return f"alias {ref!r}"


def find_key(client: LiteLLMClient, ref: str) -> dict[str, Any]:
    """The one live key that ``ref`` names, as ``/key/list`` returns it (``token`` = hash)."""
    ref = ref.strip()
    if not ref:
        raise LLMProxyError("no key given: pass the key's alias")
    if ref.startswith("sk-"):
        redactor.add(ref)
        rows = list_keys(client, key_hash=token_hash(ref))
    elif HASH.fullmatch(ref):
        rows = list_keys(client, key_hash=ref)
    else:
        rows = list_keys(client, key_alias=ref)
        if not rows and HASH_PREFIX.fullmatch(ref):
            rows = [r for r in list_keys(client) if str(r.get("token", "")).startswith(ref)]
    if not rows:
        scope = key_scope(client)
        if scope:
            raise NotFound(f"no key with {describe(ref)} that the key in use can see", hint=scope_hint(scope))
        raise NotFound(f"no key with {describe(ref)}", hint=_not_found_hint(client, ref))
    if len(rows) > 1:
        prefixes = ", ".join(short(r.get("token")) for r in rows)
        raise AmbiguousKey(f"{len(rows)} keys match {describe(ref)} (hashes {prefixes})",
                           hint="address one of them by its hash prefix instead of the alias")
    return rows[0]


ADMIN_ROLE = "proxy_admin"


def key_scope(client: LiteLLMClient) -> str | None:
    """None when the key in use sees every key (the master key, a proxy_admin's key, or when it
    cannot be told); else whose key it is — LiteLLM then shows only that user's own keys."""
    try:
        body = api.calling_key_info(client)
    except LLMProxyError:  # NotFound: the master key is not a virtual key
        return None
    info: Any = body.get("info") if isinstance(body, Mapping) else None
    user_id = info.get("user_id") if isinstance(info, Mapping) else None
    role = user_role(client, str(user_id)) if user_id else None
    if role == ADMIN_ROLE:
        return None
    return f"a virtual key of user {user_id!r} (role {role or 'unknown'})" if user_id \
        else "a team or service key"


def scope_hint(scope: str) -> str:
    return (f"the key in use is {scope}: LiteLLM shows it only its own keys; use the master key or a "
            f"{ADMIN_ROLE} user's key")


def alias_taken(client: LiteLLMClient, alias: str) -> dict[str, Any] | None:
    rows = list_keys(client, key_alias=alias)
    return rows[0] if rows else None


def _not_found_hint(client: LiteLLMClient, ref: str) -> str:
    """Point at a key left under a temporary alias by an interrupted ``keys rotate``."""
    hint = "see the existing keys with `llmproxy keys list`"
    if ref.startswith("sk-") or HASH.fullmatch(ref):
        return hint
    mark = f"{ref}{ROTATING_MARK}"
    try:
        rows = list_keys(client, key_alias=mark, substring_matching="true")
    except LLMProxyError:  # only a hint: never let it replace the real error
        return hint
    leftovers = [r.get("key_alias") for r in rows if str(r.get("key_alias", "")).startswith(mark)]
    if leftovers:
        return (f"an interrupted `keys rotate` left the new key under the temporary alias {leftovers[0]}; "
                f"finish it with `llmproxy keys update {leftovers[0]} --alias {ref}`")
    return hint
