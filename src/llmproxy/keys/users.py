"""Find the LiteLLM user a key belongs to, by exact email or by id; create it when missing.

LiteLLM's ``/user/list?user_email=`` is a case-insensitive *substring* filter (``bob@x.io`` also
finds ``bob@x.io.evil``), so every page is read and the emails are compared here. An exact
(case-sensitive) match wins; otherwise the case-insensitive match is used, since LiteLLM itself
refuses a second user whose email differs only in case. More than one candidate is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from llmproxy.errors import Conflict, LLMProxyError, NotFound, UnexpectedResponse
from llmproxy.litellm import keys_api as api
from llmproxy.litellm.client import LiteLLMClient

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class AmbiguousUser(LLMProxyError):
    """More than one LiteLLM user has the email."""


@dataclass(frozen=True)
class User:
    user_id: str
    email: str | None
    created: bool = False

    @property
    def label(self) -> str:
        return f"{self.email} ({self.user_id})" if self.email else self.user_id


def parse_email(value: str) -> str:
    email = value.strip()
    if not _EMAIL.fullmatch(email):
        raise LLMProxyError(f"invalid email {value!r}: expected name@domain",
                            hint="to address a user by id instead, pass --user-id")
    return email


def _user(row: dict[str, Any], created: bool = False) -> User:
    user_id = row.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise UnexpectedResponse("LiteLLM returned a user without a user_id")
    email = row.get("user_email")
    return User(user_id=user_id, email=email if isinstance(email, str) else None, created=created)


def find_by_email(client: LiteLLMClient, email: str) -> list[User]:
    """Users whose email is exactly ``email`` (see the module docstring for case)."""
    rows = api.list_users(client, {"user_email": email})
    emails = [(r, r.get("user_email")) for r in rows]
    exact = [r for r, e in emails if e == email]
    if not exact:
        exact = [r for r, e in emails if isinstance(e, str) and e.lower() == email.lower()]
    return [_user(r) for r in exact]


def find_one_by_email(client: LiteLLMClient, email: str) -> User | None:
    users = find_by_email(client, email)
    if len(users) > 1:
        ids = ", ".join(u.user_id for u in users)
        raise AmbiguousUser(f"{len(users)} LiteLLM users have the email {email}: {ids}",
                            hint="pass --user-id with the id of the one you mean")
    return users[0] if users else None


def get_by_id(client: LiteLLMClient, user_id: str) -> User | None:
    try:
        info = api.user_info(client, user_id)
    except NotFound:
        return None
    return _user(info)


def create(client: LiteLLMClient, *, email: str | None = None, user_id: str | None = None) -> User:
    """A new internal user, without the key ``/user/new`` would otherwise mint along with it."""
    body: dict[str, Any] = {"auto_create_key": False}
    if email:
        body["user_email"] = email
    if user_id:
        body["user_id"] = user_id
    try:
        row = api.new_user(client, body)
    except Conflict as exc:  # created concurrently, or an email differing only in case
        raise Conflict(f"cannot create the LiteLLM user: {exc.message}",
                       hint="run the command again to use the existing user") from None
    return _user(row, created=True)


def find(client: LiteLLMClient, *, email: str | None = None, user_id: str | None = None) -> User | None:
    """The user with ``email`` or ``user_id`` (exactly one of them), or None."""
    if bool(email) == bool(user_id):
        raise LLMProxyError("give the user's EMAIL or --user-id (exactly one)")
    return get_by_id(client, user_id) if user_id else find_one_by_email(client, email or "")


def create_or_reuse(client: LiteLLMClient, *, email: str | None = None, user_id: str | None = None) -> User:
    """Create the user found missing; one created meanwhile by someone else is used instead."""
    try:
        return create(client, email=email, user_id=user_id)
    except Conflict:
        # Created concurrently (e.g. parallel `keys create` for one new user): use that user.
        again = get_by_id(client, user_id) if user_id else find_one_by_email(client, email or "")
        if again is None:
            raise
        return again


def resolve(client: LiteLLMClient, *, email: str | None = None, user_id: str | None = None,
            create_missing: bool = True) -> User:
    """The user for ``email`` or ``user_id`` (exactly one of them), created when missing."""
    user = find(client, email=email, user_id=user_id)
    if user is not None:
        return user
    if not create_missing:
        what = f"id {user_id}" if user_id else f"email {email}"
        raise NotFound(f"no LiteLLM user with {what}")
    return create_or_reuse(client, email=email, user_id=user_id)
