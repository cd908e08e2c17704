"""An in-memory stand-in for LiteLLM's key and user endpoints, served through respx.

It mirrors the behaviour observed on the real proxy (see tests/harness/OBSERVED-API.md and
the e2e tests): unique aliases (400 "already exists"), 100-item pages, substring email filter,
Enterprise-only regenerate (500), 404 shapes. ``fail``, ``calls`` and ``urls``: see
``tests.unit.fake_litellm``.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from typing import Any

import httpx
import respx

from tests.unit.fake_litellm import BASE, MASTER, FakeLiteLLMBase, error

__all__ = ["BASE", "ENTERPRISE", "MASTER", "FakeLiteLLM", "error", "sha"]

ENTERPRISE = ("Regenerating Virtual Keys is an Enterprise feature, You must be a LiteLLM Enterprise user "
              "to use this feature.")


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class FakeLiteLLM(FakeLiteLLMBase):
    def __init__(self, router: respx.MockRouter) -> None:
        super().__init__(router)
        self.keys: dict[str, dict[str, Any]] = {}  # hash -> row
        self.users: dict[str, dict[str, Any]] = {}
        self.teams: set[str] = set()
        self.team_aliases: dict[str, str] = {}  # team_id -> team_alias (the team's name)
        #: Model groups (name -> access groups) and aliases, for ``--models`` checks.
        self.model_groups: dict[str, list[str]] = {"gpt-4o": ["General"], "claude-sonnet-4-5": []}
        self.aliases: dict[str, str] = {"fast": "gpt-4o"}
        self.enterprise = False
        self._ids = itertools.count(1)

    # -- setup helpers ---------------------------------------------------------------------
    def add_user(self, email: str | None, user_id: str | None = None) -> str:
        uid = user_id or f"user-{next(self._ids)}"
        self.users[uid] = {"user_id": uid, "user_email": email}
        return uid

    def add_key(self, alias: str | None, **fields: Any) -> str:
        key = f"sk-{secrets.token_urlsafe(16)}"
        self._create({"key_alias": alias, **fields}, key)
        return key

    def by_alias(self, alias: str) -> list[dict[str, Any]]:
        return [r for r in self.keys.values() if r.get("key_alias") == alias]

    # -- dispatch --------------------------------------------------------------------------
    def route(self, request: httpx.Request, endpoint: str, body: Any, q: dict[str, str]) -> httpx.Response:
        path = request.url.path
        if path.endswith("/regenerate"):
            return self.regenerate(path.split("/")[2])
        handler = getattr(self, endpoint.replace("POST /", "post_").replace("GET /", "get_").replace("/", "_"))
        response: httpx.Response = handler(body or q)
        return response

    def _page(self, items: list[dict[str, Any]], q: dict[str, str], field: str, size_param: str) -> httpx.Response:
        page, size = int(q.get("page", 1)), int(q.get(size_param, 10))
        if size > 100:
            return httpx.Response(422, json={"detail": [{"loc": ["query", size_param], "msg": "<= 100"}]})
        return httpx.Response(200, json={field: items[(page - 1) * size: page * size], "total_count": len(items),
                                         "current_page": page, "total_pages": -(-len(items) // size)})

    # -- models and router (what --models is checked against) -------------------------------
    def get_v2_model_info(self, q: dict[str, str]) -> httpx.Response:
        data = [{"model_name": name, "litellm_params": {"model": f"openai/{name}"},
                 "model_info": {"id": f"id-{name}", "db_model": True, "access_groups": groups}}
                for name, groups in self.model_groups.items()]
        return httpx.Response(200, json={"data": data if int(q.get("page", 1)) == 1 else [],
                                         "total_count": len(data)})

    def get_router_settings(self, q: dict[str, str]) -> httpx.Response:
        return httpx.Response(200, json={"current_values": {"model_group_alias": self.aliases}, "fields": []})

    # -- keys ------------------------------------------------------------------------------
    def _create(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        row = {"models": [], "metadata": {}, "spend": 0.0, "max_budget": None, "rpm_limit": None,
               "tpm_limit": None, "budget_duration": None, "expires": None, "blocked": None, "team_id": None,
               "user_id": None, **{k: v for k, v in body.items() if k not in ("key", "duration")},
               "token": sha(key), "key_name": f"sk-...{key[-4:]}"}
        if body.get("duration"):
            row["expires"] = "2099-01-01T00:00:00Z"
        self.keys[row["token"]] = row
        return row

    def _full(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "user": self.users.get(row.get("user_id") or "")}

    def get_key_list(self, q: dict[str, str]) -> httpx.Response:
        rows = list(self.keys.values())
        if "key_alias" in q:
            want = q["key_alias"]
            if q.get("substring_matching") == "true":
                rows = [r for r in rows if want.lower() in str(r.get("key_alias") or "").lower()]
            else:
                rows = [r for r in rows if r.get("key_alias") == want]
        for name, field in (("key_hash", "token"), ("user_id", "user_id"), ("team_id", "team_id")):
            if name in q:
                rows = [r for r in rows if r.get(field) == q[name]]
        items = [self._full(r) for r in rows] if q.get("return_full_object") == "true" else [r["token"] for r in rows]
        return self._page(items, q, "keys", "size")

    def post_key_generate(self, body: dict[str, Any]) -> httpx.Response:
        if body.get("key_alias") and self.by_alias(body["key_alias"]):
            return error(400, f"Key with alias '{body['key_alias']}' already exists. Unique key aliases "
                              "across all keys are required.")
        key = body.get("key") or f"sk-{secrets.token_urlsafe(16)}"
        row = self._create(body, key)
        return httpx.Response(200, json={**row, "key": key, "token_id": row["token"]})

    def get_key_info(self, q: dict[str, str]) -> httpx.Response:
        if "key" not in q:  # the calling key: the master key is not a virtual key
            return error(404, "Key not found in database")
        row = self.keys.get(q["key"])
        if row is None:
            return error(404, "Key not found in database")
        info = {k: v for k, v in row.items() if k != "token"}
        return httpx.Response(200, json={"key": q["key"], "info": {**info, "status": "active"}})

    def post_key_update(self, body: dict[str, Any]) -> httpx.Response:
        row = self.keys.get(body["key"])
        if row is None:
            return error(404, "Key not found.")
        alias = body.get("key_alias")
        if alias and any(r is not row for r in self.by_alias(alias)):
            return error(400, f"Key with alias '{alias}' already exists.")
        row.update({k: v for k, v in body.items() if k not in ("key", "duration")})
        return httpx.Response(200, json={**row, "key": row["token"]})

    def post_key_delete(self, body: dict[str, Any]) -> httpx.Response:
        found = [k for k in body.get("keys", []) if k in self.keys]
        if not found:
            return error(404, "{'error': 'No keys found'}")
        for k in found:
            del self.keys[k]
        return httpx.Response(200, json={"deleted_keys": body["keys"]})

    def regenerate(self, token: str) -> httpx.Response:
        if not self.enterprise:
            return error(500, ENTERPRISE)
        row = self.keys.pop(token)
        key = f"sk-{secrets.token_urlsafe(16)}"
        row["token"] = sha(key)
        self.keys[row["token"]] = row
        return httpx.Response(200, json={**row, "key": key})

    # -- users and teams -------------------------------------------------------------------
    def get_user_list(self, q: dict[str, str]) -> httpx.Response:
        want = q.get("user_email", "").lower()
        rows = [u for u in self.users.values() if want in str(u.get("user_email") or "").lower()]
        return self._page(rows, q, "users", "page_size")

    def post_user_new(self, body: dict[str, Any]) -> httpx.Response:
        email = body.get("user_email")
        if email and any(str(u.get("user_email")).lower() == email.lower() for u in self.users.values()):
            return error(409, f"{{'error': 'User with email {email} already exists'}}")
        if body.get("user_id") in self.users:
            return error(409, f"{{'error': 'User with id {body['user_id']} already exists'}}")
        uid = self.add_user(email, body.get("user_id"))
        return httpx.Response(200, json={**self.users[uid], "key": ""})

    def get_user_info(self, q: dict[str, str]) -> httpx.Response:
        user = self.users.get(q["user_id"])
        if user is None:
            return error(404, f"User {q['user_id']} not found")
        return httpx.Response(200, json={"user_id": user["user_id"], "user_info": user, "keys": []})

    def get_team_info(self, q: dict[str, str]) -> httpx.Response:
        if q["team_id"] not in self.teams:
            return error(404, f"{{'message': 'Team not found, passed team id: {q['team_id']}.'}}")
        alias = self.team_aliases.get(q["team_id"])
        return httpx.Response(200, json={"team_id": q["team_id"],
                                         "team_info": {"team_id": q["team_id"], "team_alias": alias}})
