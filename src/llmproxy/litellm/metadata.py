"""The metadata llmproxy writes beside an object's configuration, and what it keeps of others'.

* **Audit fields** (``model_info.created_at/created_by/updated_at/updated_by``): what LiteLLM's UI
  shows for a deployment, set as the seed scripts set them: ``updated_*`` on every write,
  ``created_*`` on the first one and carried over afterwards (by a replacement too). Open-source
  LiteLLM keeps them as sent; with a licence it fills them in from its own columns on read. They
  are never compared (``CAPABILITIES.server_info_fields``), so they are never a diff.
* **Coexistence**: ``credential_info``, ``model_info`` and ``guardrail_info`` may hold keys another
  tool wrote (the successor of the seed scripts keeps ``_llmproxy_config_fingerprint`` in
  ``credential_info`` and refuses to run on a gateway where it is gone). Only llmproxy's own marker
  key, and the keys its marker says llmproxy set, are llmproxy's: every other key is sent back as
  it is on each write (LiteLLM merges ``credential_info`` and ``model_info`` on update, but
  ``PUT /guardrails/{id}`` replaces ``guardrail_info`` whole and a replacement deployment starts
  empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from llmproxy.desired.model import Deployment
from llmproxy.live.marker import MARKER_KEY, Marker, actor
from llmproxy.live.model import LiveDeployment

CREATED = ("created_at", "created_by")
UPDATED = ("updated_at", "updated_by")
AUDIT_INFO_FIELDS = CREATED + UPDATED


def now_iso() -> str:
    """``2026-01-02T03:04:05.678Z``, the seed scripts' format."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def audit_fields(previous: Mapping[str, Any] | None, *, who: str | None = None,
                 now: str | None = None) -> dict[str, str]:
    """The audit fields of a write: ``created_*`` kept from ``previous`` when it has them."""
    who, now = who or actor(), now or now_iso()
    kept = {k: previous[k] for k in CREATED if previous and isinstance(previous.get(k), str) and previous[k]}
    return {"created_at": now, "created_by": who, **kept, "updated_at": now, "updated_by": who}


def others_keys(live: Mapping[str, Any] | None, desired: Mapping[str, Any], marker: Marker | None,
                ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The keys of ``live`` another tool wrote: neither in the config, nor set by llmproxy before
    (the marker's ``info_fields``), nor the marker itself, nor ``ignore``."""
    ours = {*(marker.info_fields if marker else ()), *ignore, MARKER_KEY}
    return {k: v for k, v in (live or {}).items() if k not in desired and k not in ours}


def carried_model_info(old: LiveDeployment, dep: Deployment, server_fields: Iterable[str]) -> dict[str, Any]:
    """What a replacement of ``old`` keeps of its ``model_info``: the fields another tool set (not
    the ones LiteLLM derives from its cost map or generates, nor llmproxy's own)."""
    from llmproxy.export.views import model_info_view  # views reads the target's capabilities

    user_set = model_info_view(old.model_info, old.litellm_params)
    return others_keys(user_set, dep.model_info, old.marker, ignore={*server_fields, *AUDIT_INFO_FIELDS})
