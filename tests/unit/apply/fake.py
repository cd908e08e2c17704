"""An in-memory stand-in for LiteLLM's model, credential and router endpoints, served through respx.

It mirrors what the real proxy does (tests/harness/OBSERVED-API.md): credential secrets come back
masked, model secrets are removed on read, the server adds default ``litellm_params`` and
``model_info`` fields, PATCH merges (``credential_info`` and ``model_info`` too), ``/config/update``
replaces each top-level router key sent, duplicate credentials answer 409 and unknown models 400
"not found". Guardrails: the list fills in a server default and masks ``api_key``; PUT replaces; a
duplicate name answers 500. The public model hub: ``make_public`` replaces the list. ``fail``
and ``calls``: see ``tests.unit.fake_litellm``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import respx

from tests.unit.fake_litellm import BASE, MASTER, FakeLiteLLMBase, error

__all__ = ["BASE", "MASTER", "FakeAdmin", "error"]

SERVER_PARAMS = {"use_xai_oauth": False, "use_litellm_proxy": False, "use_in_pass_through": False,
                 "allow_client_keepalive_override": False, "merge_reasoning_content_in_choices": False}
ROUTER_DEFAULTS = {"routing_strategy": "simple-shuffle", "num_retries": 2, "timeout": 6000.0,
                   "model_group_alias": {}, "fallbacks": [], "allowed_fails": 3, "cooldown_time": 5}
_SECRET = re.compile(r"key|secret|token|credential|password|passwd", re.I)


def _mask(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v[:2] + "****" + v[-2:] if isinstance(v, str) and _SECRET.search(k) else v)
            for k, v in values.items()}


class FakeAdmin(FakeLiteLLMBase):
    def __init__(self, router: respx.MockRouter) -> None:
        super().__init__(router)
        self.credentials: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}  # id -> {"model_name", "litellm_params", "model_info"}
        self.router: dict[str, Any] = copy.deepcopy(ROUTER_DEFAULTS)
        self.guardrails: dict[str, dict[str, Any]] = {}  # id -> {"guardrail_name", "litellm_params", ...}
        self.public: list[str] = []
        # Lets a test break "read back matches": called on every model after a write.
        self.after_model_write: Any = None

    # -- dispatch --------------------------------------------------------------------------
    def route(self, request: httpx.Request, endpoint: str, body: Any, q: dict[str, str]) -> httpx.Response:
        path = request.url.path
        if m := re.fullmatch(r"/credentials/by_name/(.+)", path):
            return self.get_credential(m[1])
        if m := re.fullmatch(r"/credentials/(.+)", path):
            return {"PATCH": self.patch_credential, "DELETE": self.delete_credential}[request.method](m[1], body)
        if m := re.fullmatch(r"/model/(.+)/update", path):
            return self.patch_model(m[1], body)
        if m := re.fullmatch(r"/guardrails/(.+)", path):
            return self.write_guardrail(request.method, m[1], body)
        handler = {
            "GET /health/readiness": lambda: httpx.Response(200, json={"status": "healthy", "db": "connected"}),
            "GET /credentials": self.list_credentials,
            "POST /credentials": lambda: self.create_credential(body),
            "GET /v2/model/info": lambda: self.model_info(q),
            "POST /model/new": lambda: self.create_model(body),
            "POST /model/delete": lambda: self.delete_model(body),
            "GET /router/settings": self.router_settings,
            "POST /config/update": lambda: self.config_update(body),
            "GET /v2/guardrails/list": self.list_guardrails,
            "POST /guardrails": lambda: self.write_guardrail("POST", None, body),
            "GET /public/model_hub": lambda: httpx.Response(200, json=[{"model_group": g} for g in self.public]),
            "POST /model_group/make_public": lambda: self.make_public(body),
            # no teams, no users (the access kinds have fakes of their own)
            "GET /v2/team/list": lambda: httpx.Response(200, json={"teams": [], "total": 0, "total_pages": 0}),
            "GET /user/list": lambda: httpx.Response(200, json={"users": [], "total": 0, "total_pages": 0}),
        }.get(endpoint)
        if handler is None:
            return error(404, f"no route {endpoint}")
        return handler()

    # -- credentials -------------------------------------------------------------------------
    def _cred_view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"credential_name": row["credential_name"], "credential_values": _mask(row["credential_values"]),
                "credential_info": copy.deepcopy(row["credential_info"]), "source": "db"}

    def list_credentials(self) -> httpx.Response:
        return httpx.Response(200, json={"success": True,
                                         "credentials": [self._cred_view(r) for r in self.credentials.values()]})

    def get_credential(self, name: str) -> httpx.Response:
        row = self.credentials.get(name)
        if row is None:
            return error(404, f"Credential not found. Got credential name: {name}")
        return httpx.Response(200, json=self._cred_view(row))

    def create_credential(self, body: dict[str, Any]) -> httpx.Response:
        name = body["credential_name"]
        if name in self.credentials:
            return error(409, f"Credential '{name}' already exists.")
        self.credentials[name] = {"credential_name": name, "credential_values": dict(body["credential_values"]),
                                  "credential_info": dict(body.get("credential_info") or {})}
        return httpx.Response(200, json={"success": True})

    def patch_credential(self, name: str, body: dict[str, Any]) -> httpx.Response:
        row = self.credentials.get(name)
        if row is None:
            return error(404, "Credential not found in DB.")
        row["credential_values"].update(body.get("credential_values") or {})
        for key in body.get("credential_values_to_delete") or []:
            row["credential_values"].pop(key, None)
        row["credential_info"].update(body["credential_info"])
        return httpx.Response(200, json={"success": True})

    def delete_credential(self, name: str, _body: Any) -> httpx.Response:
        if self.credentials.pop(name, None) is None:
            return error(404, "Credential not found")
        return httpx.Response(200, json={"success": True})

    # -- models ------------------------------------------------------------------------------
    def add_model(self, model_id: str, model_name: str, params: dict[str, Any],
                  info: dict[str, Any] | None = None) -> None:
        self.models[model_id] = {"model_name": model_name, "litellm_params": {**SERVER_PARAMS, **params},
                                 "model_info": {**(info or {}), "id": model_id}}

    def _model_view(self, row: dict[str, Any]) -> dict[str, Any]:
        params = {k: v for k, v in row["litellm_params"].items() if k != "api_key"}
        return {"model_name": row["model_name"], "litellm_params": params,
                "model_info": {**row["model_info"], "db_model": True, "mode": "chat", "max_tokens": None}}

    def model_info(self, q: dict[str, str]) -> httpx.Response:
        rows = [r for i, r in self.models.items() if "modelId" not in q or q["modelId"] == i]
        page, size = int(q.get("page", 1)), int(q.get("size", 50))
        data = [self._model_view(r) for r in rows[(page - 1) * size: page * size]]
        return httpx.Response(200, json={"data": data, "total_count": len(rows), "current_page": page,
                                         "total_pages": max(1, -(-len(rows) // size)), "size": size})

    def create_model(self, body: dict[str, Any]) -> httpx.Response:
        model_id = body.get("model_info", {}).get("id")
        if model_id in self.models:
            return error(400, f"Model with id={model_id} already exists")
        self.add_model(model_id, body["model_name"], body["litellm_params"], body.get("model_info"))
        self._after_write(model_id)
        return httpx.Response(200, json={"model_id": model_id})

    def patch_model(self, model_id: str, body: dict[str, Any]) -> httpx.Response:
        row = self.models.get(model_id)
        if row is None:
            return error(400, f"{{'error': 'Model with id={model_id} not found in db'}}")
        row["litellm_params"].update({k: v for k, v in body.get("litellm_params", {}).items() if v is not None})
        row["model_info"] = {**row["model_info"], **body.get("model_info", {}), "id": model_id}
        if "model_name" in body:
            row["model_name"] = body["model_name"]
        self._after_write(model_id)
        return httpx.Response(200, json={"model_id": model_id})

    def _after_write(self, model_id: str) -> None:
        if self.after_model_write is not None:
            self.after_model_write(self.models[model_id])

    def delete_model(self, body: dict[str, Any]) -> httpx.Response:
        if self.models.pop(body["id"], None) is None:
            return error(400, f"{{'error': 'Model with id={body['id']} not found in db'}}")
        return httpx.Response(200, json={"message": f"Model: {body['id']} deleted successfully"})

    # -- router --------------------------------------------------------------------------------
    def router_settings(self) -> httpx.Response:
        fields = [{"field_name": k, "field_default": v} for k, v in ROUTER_DEFAULTS.items()]
        source = {k: ("db" if self.router.get(k) != v else "default") for k, v in ROUTER_DEFAULTS.items()}
        return httpx.Response(200, json={"fields": fields, "current_values": copy.deepcopy(self.router),
                                         "source": source})

    def config_update(self, body: dict[str, Any]) -> httpx.Response:
        for key, value in (body.get("router_settings") or {}).items():
            if value is not None:
                self.router[key] = copy.deepcopy(value)
        return httpx.Response(200, json={"message": "Config updated successfully"})

    # -- guardrails and the public model hub -------------------------------------------------------
    def list_guardrails(self) -> httpx.Response:
        out = [{"guardrail_id": gid, "guardrail_name": g["guardrail_name"], "guardrail_definition_location": "db",
                "guardrail_info": copy.deepcopy(g["guardrail_info"]),
                "litellm_params": {"unreachable_fallback": "fail_closed", "timeout": None,
                                   **_mask(g["litellm_params"])}}
               for gid, g in self.guardrails.items()]
        return httpx.Response(200, json={"guardrails": out})

    def write_guardrail(self, method: str, gid: str | None, body: dict[str, Any]) -> httpx.Response:
        if method == "DELETE":
            if self.guardrails.pop(gid or "", None) is None:
                return httpx.Response(404, json={"detail": f"Guardrail with ID {gid} not found"})
            return httpx.Response(200, json={"message": "deleted"})
        g = copy.deepcopy(body["guardrail"])
        g.setdefault("guardrail_info", {})
        if method == "POST":
            if any(x["guardrail_name"] == g["guardrail_name"] for x in self.guardrails.values()):
                return httpx.Response(500, json={"detail": "Unique constraint failed on: (`guardrail_name`)"})
            gid = f"gr-{len(self.guardrails) + 1}"
        elif gid not in self.guardrails:
            return httpx.Response(404, json={"detail": f"Guardrail with ID {gid} not found"})
        self.guardrails[str(gid)] = g
        return httpx.Response(200, json={**g, "guardrail_id": gid})

    def make_public(self, body: dict[str, Any]) -> httpx.Response:
        self.public = list(body["model_groups"])
        return httpx.Response(200, json={"public_model_groups": self.public})
