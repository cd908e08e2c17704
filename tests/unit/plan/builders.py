"""Small builders for live and desired states in plan tests."""

from __future__ import annotations

from typing import Any

from llmproxy.desired.model import Credential, Deployment, DesiredState
from llmproxy.live.marker import Fingerprinter, Marker
from llmproxy.live.model import Ledger, LiveCredential, LiveDeployment, LiveRouter, LiveState

FP = Fingerprinter("test-fingerprint-key")
SERVER_DEFAULTS = {"use_xai_oauth": False, "use_litellm_proxy": False, "use_in_pass_through": False,
                   "allow_client_keepalive_override": False, "merge_reasoning_content_in_choices": False}


def cred(name: str = "prov-openai", key: str = "sk-provider-1", base: str = "http://up/v1") -> Credential:
    return Credential(name, {"api_key": key, "api_base": base}, {"custom_llm_provider": "OpenAI_Compatible"})


def dep(name: str = "m1", model: str = "openai/m1", credential: str | None = "prov-openai",
        **params: Any) -> Deployment:
    lp: dict[str, Any] = {"model": model, **params}
    if credential:
        lp["litellm_credential_name"] = credential
    return Deployment(name, lp, {"base_model": name})


def live_cred_of(c: Credential, owner: str | None = "llmproxy") -> LiveCredential:
    masked = {k: (v[:2] + "****" + v[-2:] if k == "api_key" else v) for k, v in c.values.items()}
    marker = Marker(owner, fields=tuple(sorted(c.values)), secrets=FP.all(c.values)) if owner else None
    return LiveCredential(c.name, masked, dict(c.info), marker)


def live_dep_of(d: Deployment, owner: str | None = "llmproxy", id: str | None = None,
                db_model: bool = True, **extra_params: Any) -> LiveDeployment:
    params = {k: v for k, v in d.litellm_params.items() if k != "api_key"}
    params.update(SERVER_DEFAULTS)
    params.update(extra_params)
    info = {**d.model_info, "id": id or d.content_id(owner or "x"), "db_model": db_model,
            "input_cost_per_token": 1e-6, "mode": "chat"}
    marker = Marker(owner, fields=tuple(sorted(d.litellm_params)), info_fields=tuple(sorted(d.model_info)),
                    secrets=FP.all(d.litellm_params) or None) if owner else None
    return LiveDeployment(info["id"], d.model_name, params, info, marker, db_model)


def live_state(credentials: list[LiveCredential] = (), deployments: list[LiveDeployment] = (),
               aliases: dict[str, Any] | None = None, fallbacks: list[dict[str, list[str]]] | None = None,
               router: dict[str, Any] | None = None, ledgers: dict[str, Ledger] | None = None) -> LiveState:
    values = {"model_group_alias": aliases or {}, "fallbacks": fallbacks or [], "num_retries": 2,
              "routing_strategy": "simple-shuffle", **(router or {})}
    return LiveState({c.name: c for c in credentials}, tuple(deployments),
                     LiveRouter(values, {"num_retries": 2, "routing_strategy": "simple-shuffle"}),
                     ledgers or {})


def desired(**kw: Any) -> DesiredState:
    return DesiredState(**kw)
