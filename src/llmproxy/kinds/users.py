"""Kind ``users``: LiteLLM internal users. Identity: the email (case-insensitive, as LiteLLM's
own duplicate check). Ownership: the marker in ``metadata``. Level 3: after the models their
``models`` name, before the teams that list them as members and the keys that belong to them."""

from __future__ import annotations

from llmproxy.desired.access import USER_FIELDS, User
from llmproxy.kinds.access_diff import written_settings
from llmproxy.kinds.access_kind import AccessKind
from llmproxy.kinds.base import Cleanup, Target
from llmproxy.live.access import LiveUser
from llmproxy.plan.model import Action, Change

UserChange = Change[User, LiveUser]


class Users(AccessKind[User, LiveUser]):
    name = "users"
    title = "Users"
    aliases = ("user",)
    level = 3
    desired_field = "users"
    noun = "user"
    foreign_hint = "only one config may manage a user"
    case_insensitive = True
    ambiguous = "{count} LiteLLM users have the email {name!r}; remove the duplicates by hand"

    def live_name(self, obj: LiveUser) -> str | None:
        return obj.email

    def live_id(self, obj: LiveUser) -> str:
        return obj.user_id

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: UserChange, target: Target) -> Cleanup | None:
        if change.action is Action.CREATE:
            target.users.create(change.want())
        else:
            target.users.update(change.want(), change.have(), written_settings(change.fields, USER_FIELDS))
        return None
