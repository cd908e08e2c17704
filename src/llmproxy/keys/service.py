"""Create, inspect, update and delete virtual keys through LiteLLM's admin API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmproxy.errors import Conflict, ConnectionFailed, LLMProxyError, NotFound, UnexpectedResponse
from llmproxy.keys import users
from llmproxy.keys.lookup import alias_taken, find_key, short, token_hash
from llmproxy.keys.values import KeySettings, parse_alias
from llmproxy.litellm import keys_api as api
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.redaction import redactor

MIN_CUSTOM_KEY = 16  # LiteLLM's MINIMUM_CUSTOM_KEY_LENGTH default


@dataclass
class Minted:
    """A key that was just created: ``key`` is the secret, shown once."""

    key: str
    row: dict[str, Any]
    user: users.User | None = None
    sources: dict[str, str] = field(default_factory=dict)
    method: str = "generate"


def duplicate_alias(alias: str) -> Conflict:
    return Conflict(f"a key with alias {alias!r} already exists; aliases are unique",
                    hint=f"to issue a new secret for it run `llmproxy keys rotate {alias}`; to change its "
                         f"limits run `llmproxy keys update {alias} ...`; or choose another --alias")


def default_alias(email: str | None, user_id: str | None) -> str:
    """The email's local part (``ada@example.com`` → ``ada``), else the user id."""
    if email:
        return email.split("@", 1)[0]
    return (user_id or "").split("@", 1)[0] or (user_id or "")


def check_custom_key(key: str) -> str:
    redactor.add(key)
    if not key.startswith("sk-") or len(key) < MIN_CUSTOM_KEY:
        raise LLMProxyError(f"invalid --key: LiteLLM keys start with 'sk-' and have at least "
                            f"{MIN_CUSTOM_KEY} characters")
    return key


def check_team(client: LiteLLMClient, team_id: str) -> str | None:
    """The team's name (its ``team_alias``, None without one). LiteLLM accepts any team_id on
    /key/generate; a typo would make a key of a team that isn't there."""
    try:
        info = api.team_info(client, team_id)
    except NotFound:
        raise NotFound(f"no LiteLLM team with id {team_id!r}", hint="check --team-id") from None
    name = info.get("team_alias")
    return name if isinstance(name, str) and name else None


def new_secret(row: object, endpoint: str) -> str:
    """The ``sk-`` key in a generate/regenerate answer, registered so no message can ever show it."""
    key = row.get("key") if isinstance(row, dict) else None
    if not isinstance(key, str) or not key.startswith("sk-"):
        raise UnexpectedResponse(f"{endpoint}: LiteLLM answered without a new key", endpoint=endpoint)
    redactor.add(key)
    return key


def generate(client: LiteLLMClient, body: dict[str, Any], *,
             if_lost: str | None = None) -> tuple[str, dict[str, Any]]:
    """``POST /key/generate`` (never retried: a repeat would mint a second key). ``if_lost``: the
    hint when the answer was lost (the key may exist, its secret is unknown): how to recover."""
    alias = body.get("key_alias")
    try:
        row = api.generate_key(client, body)
    except ConnectionFailed as exc:
        if if_lost:
            exc.hint = if_lost
        raise
    except Conflict:
        if alias:
            raise duplicate_alias(alias) from None
        raise
    key = new_secret(row, api.GENERATE)
    if row.get("token") not in (None, token_hash(key)) or row.get("key_alias") != alias:
        raise UnexpectedResponse(f"{api.GENERATE}: the key LiteLLM returned does not match the request",
                                 endpoint=api.GENERATE)
    return key, row


@dataclass(frozen=True)
class NewKey:
    """A key about to be minted, checked before anything is written: a free alias, its user (found,
    or None: created with the key) and the name of its team, which is what ``key_policy`` matches."""

    alias: str
    email: str | None
    user_id: str | None
    user: users.User | None = None
    team: str | None = None  # the team's name (team_alias)
    custom_key: str | None = field(default=None, repr=False)  # a secret

    @property
    def user_email(self) -> str | None:
        """The email ``key_policy``'s ``user`` selector matches: given, or the found user's."""
        return self.email or (self.user.email if self.user else None)


def new_key(client: LiteLLMClient, *, email: str | None, user_id: str | None, alias: str | None,
            team_id: str | None = None, custom_key: str | None = None) -> NewKey:
    """Check a key to be minted (reads only): the user given exactly once, the alias free, the team there."""
    if email:
        email = users.parse_email(email)
    if bool(email) == bool(user_id):
        raise LLMProxyError("give the user's EMAIL or --user-id (exactly one)")
    alias = parse_alias(alias if alias is not None else default_alias(email, user_id))
    if custom_key is not None:
        custom_key = check_custom_key(custom_key)
    if alias_taken(client, alias):
        raise duplicate_alias(alias)
    team = check_team(client, team_id) if team_id else None
    user = users.find(client, email=email, user_id=user_id)
    return NewKey(alias=alias, email=email, user_id=user_id, user=user, team=team, custom_key=custom_key)


def create_key(client: LiteLLMClient, new: NewKey, settings: KeySettings,
               sources: dict[str, str] | None = None) -> Minted:
    """Mint ``new`` with ``settings`` (its team is ``settings.team_id``), creating its user if missing."""
    user = new.user or users.create_or_reuse(client, email=new.email, user_id=new.user_id)
    body = {**settings.generate_body(), "user_id": user.user_id, "key_alias": new.alias}
    if new.custom_key:
        body["key"] = new.custom_key
    lost = (f"if LiteLLM created the key anyway (see `llmproxy keys info {new.alias}`), "
            f"`llmproxy keys rotate {new.alias}` issues a new secret for it")
    try:
        key, row = generate(client, body, if_lost=lost)
    except LLMProxyError as exc:
        if user.created and not exc.hint:
            exc.hint = f"the LiteLLM user {user.label} was created; running the command again reuses it"
        raise
    return Minted(key=key, row=row, user=user, sources=sources or {})


def key_info(client: LiteLLMClient, ref: str) -> dict[str, Any]:
    """One key in full (``/key/info``, asked by hash), with its ``token`` hash and owning ``user``."""
    row = find_key(client, ref)
    info = api.key_info(client, row["token"])
    return {**info, "token": row["token"], "user": row.get("user")}


def update_key(client: LiteLLMClient, ref: str, settings: KeySettings, *, new_alias: str | None = None,
               blocked: bool | None = None) -> dict[str, Any]:
    """Change limits in place (``/key/update`` is a merge patch); returns the key as it is now."""
    if settings.is_empty() and new_alias is None and blocked is None:
        raise LLMProxyError("nothing to update", hint="pass at least one of --models, --max-budget, "
                            "--budget-duration, --rpm-limit, --tpm-limit, --duration, --metadata, "
                            "--alias, --block/--unblock")
    row = find_key(client, ref)
    body: dict[str, Any] = {"key": row["token"], **settings.update_body(row.get("metadata"))}
    if new_alias is not None:
        new_alias = parse_alias(new_alias, "new alias")
        if new_alias != row.get("key_alias") and alias_taken(client, new_alias):
            raise duplicate_alias(new_alias)
        body["key_alias"] = new_alias
    if blocked is not None:
        body["blocked"] = blocked
    try:
        api.update_key(client, body)
    except Conflict:
        if new_alias is None:
            raise
        raise duplicate_alias(new_alias) from None
    return key_info(client, row["token"])


def delete_key(client: LiteLLMClient, row: dict[str, Any]) -> None:
    """Delete one key by its hash (never by alias: that would delete every key with the alias)."""
    token = row["token"]
    api.delete_key(client, token, short(token))
