"""Virtual keys as a sync target: read every key (with its user's email and its team's name),
mint a declared key and deliver its secret once, update one in place, delete one by hash.

The requests themselves are ``keys_api``'s and the minting is ``keys.service.generate`` (never
retried: a repeat would mint a second key), as for ``llmproxy keys create``. Ownership is the
``llmproxy`` marker inside the key's ``metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmproxy.desired.keys import DesiredKey
from llmproxy.desired.model import thaw
from llmproxy.errors import LLMProxyError, NotFound
from llmproxy.keys import users
from llmproxy.keys.delivery import SecretSink
from llmproxy.keys.lookup import ROTATING_MARK, short
from llmproxy.keys.rotate import is_enterprise_refusal
from llmproxy.keys.service import generate
from llmproxy.litellm import keys_api as api
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.teams_api import read_teams
from llmproxy.live.keys import LiveKey
from llmproxy.live.marker import MARKER_KEY, Marker

#: LiteLLM's own keys (the admin UI's session keys): never planned, never counted.
UI_TEAM = "litellm-dashboard"


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def parse_key(raw: Mapping[str, Any], team_names: Mapping[str, str]) -> LiveKey:
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    marker_json = metadata.get(MARKER_KEY) if isinstance(metadata.get(MARKER_KEY), Mapping) else None
    user = raw.get("user") if isinstance(raw.get("user"), Mapping) else {}
    assert isinstance(user, Mapping)
    team_id = raw.get("team_id") if isinstance(raw.get("team_id"), str) else None
    raw_models = raw.get("models")
    models: list[Any] = raw_models if isinstance(raw_models, list) else []
    alias = raw.get("key_alias") if isinstance(raw.get("key_alias"), str) and raw.get("key_alias") else None
    return LiveKey(
        token=str(raw.get("token") or ""), alias=alias,
        user_id=raw.get("user_id") if isinstance(raw.get("user_id"), str) else None,
        user_email=user.get("user_email") if isinstance(user.get("user_email"), str) else None,
        team_id=team_id, team=team_names.get(team_id) if team_id else None,
        models=tuple(str(m) for m in models),
        max_budget=_num(raw.get("max_budget")),
        budget_duration=raw.get("budget_duration") if isinstance(raw.get("budget_duration"), str) else None,
        rpm_limit=_int(raw.get("rpm_limit")), tpm_limit=_int(raw.get("tpm_limit")),
        metadata={k: v for k, v in metadata.items() if k != MARKER_KEY},
        marker=Marker.parse(metadata),
        duration=str(marker_json["duration"]) if marker_json and isinstance(marker_json.get("duration"), str)
        else None,
        expires=raw.get("expires") if isinstance(raw.get("expires"), str) else None,
        spend=_num(raw.get("spend")) or 0.0, blocked=bool(raw.get("blocked")),
        marker_json=dict(marker_json) if marker_json else None,
    )


def team_names(client: LiteLLMClient) -> dict[str, str]:
    """team_id -> team_alias of every team (the complete, paged ``/v2/team/list``)."""
    return {t.team_id: t.alias for t in read_teams(client) if t.alias}


def read_keys(client: LiteLLMClient) -> tuple[tuple[LiveKey, ...], dict[str, str]]:
    """Every key but LiteLLM's own UI session keys and the temporary alias of a key being rotated,
    and the team names (team_id -> alias)."""
    teams = team_names(client)
    rows = api.list_keys(client, {"return_full_object": "true", "expand": "user"})
    keys = [parse_key(r, teams) for r in rows if r.get("team_id") != UI_TEAM]
    keep = [k for k in keys if k.token and not (k.alias and ROTATING_MARK in k.alias)]
    return tuple(sorted(keep, key=lambda k: (k.alias or "~", k.token))), teams


# -- writes ---------------------------------------------------------------------------------------

def _team_id(client: LiteLLMClient, name: str) -> str:
    for team_id, alias in team_names(client).items():
        if alias == name:
            return team_id
    raise NotFound(f"no LiteLLM team named {name!r}", hint="declare it under \"teams\" or create it first")


def _marker(owner: str, key: DesiredKey) -> dict[str, Any]:
    marker = Marker(owner=owner, fields=tuple(key.limits()),
                    info_fields=tuple(sorted(key.metadata or {})))
    out = marker.to_json()
    if key.duration is not None:
        out["duration"] = key.duration
    return out


def _explain(exc: LLMProxyError, key: DesiredKey) -> LLMProxyError:
    """LiteLLM's Enterprise-only refusals (tags in metadata, ...) said plainly."""
    if is_enterprise_refusal(exc):
        exc.message = (f"key {key.alias!r}: LiteLLM refused a field that needs an Enterprise licence "
                       f"({exc.message.splitlines()[0][:160]})")
        exc.hint = f"remove that field from {key.source} (e.g. metadata.tags), or set LITELLM_LICENSE on LiteLLM"
    return exc


def create_key(client: LiteLLMClient, owner: str, key: DesiredKey, sink: SecretSink | None) -> None:
    if sink is None:  # the Manager refuses such a plan before any write; never mint a secret to lose it
        raise LLMProxyError(f"key {key.alias!r} not created: nowhere to deliver its secret",
                            hint="pass --keys-out DIR or --output json")
    body: dict[str, Any] = {**key.limits(), "key_alias": key.alias,
                            "metadata": {**thaw(key.metadata or {}), MARKER_KEY: _marker(owner, key)}}
    if key.user:
        body["user_id"] = users.resolve(client, email=key.user).user_id
    if key.team:
        body["team_id"] = _team_id(client, key.team)
    lost = (f"if LiteLLM created key {key.alias!r} anyway, the next plan shows it unchanged; "
            f"issue a new secret with `llmproxy keys rotate {key.alias}`")
    try:
        secret, _row = generate(client, body, if_lost=lost)
    except LLMProxyError as exc:
        raise _explain(exc, key) from None
    sink.deliver(key.alias, secret)


def update_body(owner: str, key: DesiredKey, live: LiveKey, *, stamp: bool = True) -> dict[str, Any]:
    """A ``/key/update`` merge patch: the managed fields, metadata merged (LiteLLM replaces it whole:
    entries others set are kept, entries llmproxy set and the config dropped are removed)."""
    want = key.limits()
    body: dict[str, Any] = {"key": live.token, **{k: v for k, v in want.items() if k != "metadata"}}
    if "duration" in body and body["duration"] == live.duration:
        del body["duration"]  # unchanged: re-sending it would restart the key's validity
    previously = set(live.marker.fields) if live.marker and live.marker.owner == owner else set()
    for name in sorted(previously - set(want) - {"metadata", "duration"}):
        body[name] = [] if name == "models" else None  # dropped from the config: no limit any more
    ours = set(live.marker.info_fields) if live.marker and live.marker.owner == owner else set()
    metadata = {k: v for k, v in live.metadata.items() if k not in ours}
    metadata.update(thaw(key.metadata or {}))
    if stamp:
        metadata[MARKER_KEY] = _marker(owner, key)
    elif key.metadata is None:
        return body  # the policy on a key llmproxy does not own: its metadata is left alone
    elif live.marker_json:
        metadata[MARKER_KEY] = dict(live.marker_json)
    body["metadata"] = metadata
    return body


def update_key(client: LiteLLMClient, owner: str, key: DesiredKey, live: LiveKey, *, stamp: bool = True) -> None:
    body = update_body(owner, key, live, stamp=stamp)
    if key.user and (live.user_email or "").lower() != key.user.lower():
        body["user_id"] = users.resolve(client, email=key.user).user_id
    if key.team and live.team != key.team:
        body["team_id"] = _team_id(client, key.team)
    try:
        api.update_key(client, body)
    except LLMProxyError as exc:
        raise _explain(exc, key) from None


def delete_key(client: LiteLLMClient, live: LiveKey) -> None:
    try:
        api.delete_key(client, live.token, live.alias or short(live.token))
    except NotFound:
        return  # already gone (a retried delete whose first answer was lost)
