"""Read-only probes of a LiteLLM proxy: the one readiness probe, the version, a user's role.

* ``GET /health/readiness`` (public) -> ``{"status", "db"}``; ``db`` is ``connected``,
  ``Not connected`` (no DATABASE_URL), ``disconnected`` or ``stalled`` (then HTTP 503).
* ``GET /health/readiness/details`` (any valid key) -> ``litellm_version``.
* ``GET /user/info?user_id=`` -> ``user_info.user_role``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from llmproxy.errors import AuthError, NotFound, ServerError, UnexpectedResponse
from llmproxy.litellm.client import DB_HINT, LiteLLMClient


@dataclass(frozen=True)
class Readiness:
    db: str  # as LiteLLM says it: "connected", "Not connected", "disconnected", "stalled"


def readiness(client: LiteLLMClient, *, retry: bool = False) -> Readiness:
    """``/health/readiness``; a 503 still tells the database state (LiteLLM is up, its DB is not)."""
    try:
        body = client.get("/health/readiness") if retry else client.request("GET", "/health/readiness", retry=False)
    except ServerError as exc:
        if exc.status == 503:
            return Readiness(db="unreachable (HTTP 503)")
        raise
    db = body.get("db") if isinstance(body, Mapping) else None
    if db is None:
        raise UnexpectedResponse(
            f"GET /health/readiness: the answer has no 'db' field ({_shape(body)}): "
            f"{client.base_url} does not look like a LiteLLM proxy",
            hint="is --base-url / LITELLM_BASE_URL the LiteLLM proxy's address (with its path prefix, if any)?",
            endpoint="GET /health/readiness")
    return Readiness(db=str(db))


def _shape(body: object) -> str:
    if isinstance(body, Mapping):
        return "an empty object" if not body else f"keys: {', '.join(sorted(map(str, body))[:5])}"
    return "no JSON object" if body is None else f"a JSON {type(body).__name__}"


def version(client: LiteLLMClient) -> str | None:
    body = client.get("/health/readiness/details")
    value = body.get("litellm_version") if isinstance(body, Mapping) else None
    return str(value) if value else None


def require_database(client: LiteLLMClient) -> None:
    """Without a database LiteLLM answers the inventory reads with empty lists (from memory) and
    fails every write: refuse before planning against that."""
    db = readiness(client, retry=True).db
    if db != "connected":
        raise ServerError(f"LiteLLM at {client.base_url} has no database connected (readiness says db: {db!r})",
                          hint=DB_HINT, endpoint="GET /health/readiness")


def user_role(client: LiteLLMClient, user_id: str) -> str | None:
    try:
        body = client.get("/user/info", user_id=user_id)
    except (AuthError, NotFound):
        return None
    info = body.get("user_info") if isinstance(body, Mapping) else None
    role = info.get("user_role") if isinstance(info, Mapping) else None
    return str(role) if role else None
