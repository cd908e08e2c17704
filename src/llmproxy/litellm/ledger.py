"""The per-owner ledger of router entries, stored in LiteLLM's own database.

LiteLLM's ``router_settings`` (``model_group_alias``, ``fallbacks``, ``num_retries``, ...) have no
room for per-entry metadata, so llmproxy records which entries an owner manages in a credential
named ``llmproxy-state.<owner>``. Its ``credential_values`` hold no secret (only a note, because
LiteLLM refuses a credential without values) and its ``credential_info`` holds the ledger. No model
references it, so it never affects routing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llmproxy.live.model import Ledger

LEDGER_PREFIX = "llmproxy-state."
LEDGER_INFO_KEY = "llmproxy_state"
LEDGER_NOTE = "llmproxy state record: the router entries this owner manages. Holds no secret."
#: Digests of the values this owner last wrote (kind -> entry -> digest): prune deletes an entry
#: only while its live value is still the one recorded. Older versions ignore this key.
DIGESTS = "digests"


def ledger_name(owner: str) -> str:
    return LEDGER_PREFIX + owner


def is_ledger(credential_name: str) -> bool:
    return credential_name.startswith(LEDGER_PREFIX)


def parse_ledger(info: Mapping[str, Any] | None) -> Ledger:
    raw = (info or {}).get(LEDGER_INFO_KEY)
    if not isinstance(raw, Mapping):
        return Ledger()

    raw_digests = raw.get(DIGESTS)
    digests = {str(kind): {str(k): str(d) for k, d in values.items()}
               for kind, values in (raw_digests.items() if isinstance(raw_digests, Mapping) else ())
               if isinstance(values, Mapping)}
    return Ledger({str(kind): frozenset(str(v) for v in value)
                   for kind, value in raw.items() if kind != "owner" and isinstance(value, list)}, digests)


def ledger_body(owner: str, ledger: Ledger, kinds: Sequence[str]) -> dict[str, Any]:
    """Request body for POST /credentials (create) or PATCH /credentials/{name} (update):
    the entries of every ledger kind in ``kinds`` (the registry's, so an empty kind is written
    as ``[]`` and entries of a kind this version does not know are kept)."""
    listed = {**{k: sorted(v) for k, v in ledger.by_kind.items()}, **{k: sorted(ledger.entries(k)) for k in kinds}}
    return {
        "credential_name": ledger_name(owner),
        "credential_values": {"note": LEDGER_NOTE},
        "credential_info": {LEDGER_INFO_KEY: {"owner": owner, **listed,
                                              DIGESTS: {k: dict(sorted(v.items()))
                                                        for k, v in sorted(ledger.claimed_digests().items())}}},
    }
