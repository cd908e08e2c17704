"""The status checks: is LiteLLM up, which version, is the database connected, is the key an
admin key, does it store models in its database. The requests are ``litellm.probe``'s; nothing
here writes.

* ``GET /health/readiness`` (public) -> ``{"status", "db"}``; ``db`` is ``connected``,
  ``Not connected`` (no DATABASE_URL), ``disconnected`` or ``stalled`` (then HTTP 503).
* ``GET /health/readiness/details`` (any valid key) -> ``litellm_version``.
* ``GET /key/info`` without ``key`` describes the calling key. The master key is not a row of
  the key table: LiteLLM answers 404 "Key not found" although it accepted the key. A virtual key
  answers 200 with its ``user_id``; ``GET /user/info?user_id=`` then gives ``user_role``, which
  must be ``proxy_admin`` (``proxy_admin_viewer`` can read, not write).
* ``store_model_in_db``: LiteLLM exposes no read-only endpoint for it (``STORE_MODEL_IN_DB`` is
  read into a module global). It is *proven* on when LiteLLM serves a model from its database
  (``model_info.db_model: true``) or reports a router setting with ``source: "db"``: LiteLLM
  loads both from the database only when it is on (``proxy_server.py``: ``add_deployment`` and
  ``get_config`` are gated on it). Otherwise it stays unproven (a warning, not a failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmproxy.errors import AuthError, NotFound
from llmproxy.litellm.client import AUTH_HINT, DB_HINT, STORE_HINT, LiteLLMClient
from llmproxy.litellm.keys_api import calling_key_info
from llmproxy.litellm.probe import Readiness, user_role
from llmproxy.live.model import LiveState
from llmproxy.status.report import FAIL, OK, WARN, StatusReport

ADMIN_ROLE = "proxy_admin"


def check_database(report: StatusReport, ready: Readiness) -> bool:
    if ready.db == "connected":
        report.add("database", OK, "connected")
        return True
    if ready.db == "Not connected":
        report.add("database", FAIL, "LiteLLM runs without a database", DB_HINT)
    else:
        report.add("database", FAIL, f"LiteLLM reports its database {ready.db}",
                   "check DATABASE_URL and that PostgreSQL is up and reachable from the proxy (see LiteLLM's log)")
    return False


def check_key(report: StatusReport, client: LiteLLMClient) -> bool:
    """Master key or a proxy_admin user's key; anything else fails with the role found."""
    try:
        body = calling_key_info(client)
    except NotFound:
        report.add("admin key", OK, "master key (accepted, and not a virtual key)")
        return True
    except AuthError as exc:
        report.add("admin key", FAIL, exc.message, AUTH_HINT)
        return False
    info: Any = body.get("info") if isinstance(body, Mapping) else None
    user_id = info.get("user_id") if isinstance(info, Mapping) else None
    role = user_role(client, user_id) if user_id else None
    if role == ADMIN_ROLE:
        report.add("admin key", OK, f"virtual key of user {user_id!r} (role {ADMIN_ROLE})")
        return True
    who = f"user {user_id!r} with role {role or 'unknown'}" if user_id else "no user (team or service key)"
    report.add("admin key", FAIL, f"a virtual key of {who}: llmproxy needs to write models, credentials "
               "and router settings", AUTH_HINT)
    return False


def check_store_model_in_db(report: StatusReport, live: LiveState, sources: Mapping[str, str]) -> None:
    db_models = sum(1 for d in live.deployments if d.db_model)
    db_router = sorted(k for k, v in sources.items() if v == "db")
    if db_models:
        report.add("store_model_in_db", OK, f"effective: LiteLLM serves {db_models} model(s) from its database")
    elif db_router:
        report.add("store_model_in_db", OK, "effective: LiteLLM reads router settings from its database "
                   f"({', '.join(db_router[:3])}{', ...' if len(db_router) > 3 else ''})")
    else:
        report.add("store_model_in_db", WARN, "not proven: LiteLLM serves nothing from its database yet and "
                   "has no read-only way to report STORE_MODEL_IN_DB", STORE_HINT + " (if it is not already)")
