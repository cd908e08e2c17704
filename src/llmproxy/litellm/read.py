"""Read LiteLLM's live state: credentials, deployments, router settings, ledgers, teams, users.

Every read is complete or fails loudly (the client pages through all models and never turns an
error into an empty list).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from llmproxy.errors import UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.guardrails_api import list_guardrails
from llmproxy.litellm.keys_target import read_keys
from llmproxy.litellm.lease import is_lock
from llmproxy.litellm.ledger import LEDGER_INFO_KEY, is_ledger, parse_ledger
from llmproxy.litellm.model_hub_api import public_model_groups
from llmproxy.litellm.probe import require_database
from llmproxy.litellm.replicas import is_stamp
from llmproxy.litellm.teams_api import read_teams
from llmproxy.litellm.users_api import read_users
from llmproxy.live.marker import Marker
from llmproxy.live.model import Ledger, LiveCredential, LiveDeployment, LiveRouter, LiveState, strip_marker


def parse_credential(raw: Mapping[str, Any]) -> LiveCredential:
    name = raw.get("credential_name")
    if not isinstance(name, str):
        raise UnexpectedResponse("GET /credentials: a credential without 'credential_name'",
                                 endpoint="GET /credentials")
    info = raw.get("credential_info") if isinstance(raw.get("credential_info"), Mapping) else {}
    values = raw_values if isinstance(raw_values := raw.get("credential_values"), Mapping) else {}
    # null means absent: how llmproxy removes an info key (LiteLLM merges credential_info).
    return LiveCredential(name=name, values=dict(values),
                          info={k: v for k, v in strip_marker(info).items() if v is not None},
                          marker=Marker.parse(info), source=str(raw.get("source") or "db"))


def parse_deployment(raw: Mapping[str, Any]) -> LiveDeployment:
    info = raw.get("model_info") or {}
    params = raw.get("litellm_params") or {}
    if not isinstance(info, Mapping) or not isinstance(params, Mapping):
        raise UnexpectedResponse("GET /v2/model/info: a model with malformed params/info",
                                 endpoint="GET /v2/model/info")
    return LiveDeployment(
        id=str(info.get("id") or ""),
        model_name=str(raw.get("model_name") or ""),
        litellm_params=dict(params),
        # LiteLLM pads model_info with ~140 null cost-map fields: null means absent.
        model_info={k: v for k, v in strip_marker(info).items() if v is not None},
        marker=Marker.parse(info),
        db_model=bool(info.get("db_model")),
    )


def _shaped_fallbacks(value: Any) -> bool:
    """``[{source: [targets...]}, ...]``, or absent (a string of targets must not become letters)."""
    return value is None or (isinstance(value, list) and all(
        not isinstance(rule, Mapping) or all(t is None or isinstance(t, list) for t in rule.values())
        for rule in value))


def parse_router(raw: Mapping[str, Any]) -> LiveRouter:
    fields = raw.get("fields") or []
    values = dict(raw.get("current_values") or {})
    if not isinstance(fields, list) or not _shaped_fallbacks(values.get("fallbacks")):
        raise UnexpectedResponse("GET /router/settings: 'fields' or 'fallbacks' is not a list (of lists)",
                                 endpoint="GET /router/settings")
    defaults = {}
    for f in fields:
        if isinstance(f, Mapping) and isinstance(f.get("field_name"), str):
            defaults[f["field_name"]] = f.get("field_default")
    raw_sources = raw.get("source")
    sources = {str(k): str(v) for k, v in raw_sources.items()} if isinstance(raw_sources, Mapping) else {}
    return LiveRouter(values=values, defaults=defaults, sources=sources)


#: Inventories read only when asked for (the kinds that need them are in the config).
EXTRAS = frozenset({"guardrails", "public_model_hub"})


def read_live(client: LiteLLMClient, extras: frozenset[str] = frozenset(), *, access: bool = False,
              keys: bool = False) -> LiveState:
    """One consistent-as-possible snapshot: the inventories are read in parallel (teams and users
    only with ``access``, virtual keys only with ``keys``: a config without those sections never
    reads them; ``extras`` (of ``EXTRAS``) adds the guardrails and the public model hub)."""
    with ThreadPoolExecutor(max_workers=7 + len(extras)) as pool:
        db_f = pool.submit(require_database, client)
        creds_f = pool.submit(client.get_credentials)
        models_f = pool.submit(client.get_all_models)
        router_f = pool.submit(client.get_router_settings)
        teams_f = pool.submit(read_teams, client) if access else None
        users_f = pool.submit(read_users, client) if access else None
        keys_f = pool.submit(read_keys, client) if keys else None
        guardrails_f = pool.submit(list_guardrails, client) if "guardrails" in extras else None
        hub_f = pool.submit(public_model_groups, client) if "public_model_hub" in extras else None
        db_f.result()
        raw_creds, raw_models, raw_router = creds_f.result(), models_f.result(), router_f.result()
        teams = teams_f.result() if teams_f else ()
        users = users_f.result() if users_f else ()
        live_keys, team_names = keys_f.result() if keys_f else ((), {})
        guardrails = guardrails_f.result() if guardrails_f else None
        hub = hub_f.result() if hub_f else None

    credentials: dict[str, LiveCredential] = {}
    ledgers: dict[str, Ledger] = {}
    for raw in raw_creds:
        cred = parse_credential(raw)
        if is_lock(cred.name) or is_stamp(cred.name):
            continue  # the sync lease (litellm.lease), the replica witness (litellm.replicas)
        if is_ledger(cred.name):
            state = cred.info.get(LEDGER_INFO_KEY) or {}  # cred.info: always a mapping
            owner = state.get("owner") if isinstance(state, Mapping) else None
            if isinstance(owner, str):
                ledgers[owner] = parse_ledger(cred.info)
            continue
        credentials[cred.name] = cred
    deployments = tuple(sorted((parse_deployment(m) for m in raw_models),
                               key=lambda d: (d.model_name, d.model, d.credential or "", d.id)))
    return LiveState(credentials=credentials, deployments=deployments,
                     router=parse_router(raw_router), ledgers=ledgers, teams=teams, users=users,
                     keys=live_keys, team_names=team_names, guardrails=guardrails, public_model_groups=hub)
