"""Kind ``users``: LiteLLM internal users. Identity: the email (case-insensitive, as LiteLLM's
own duplicate check). Ownership: the marker in ``metadata``. Level 3: after the models their
``models`` name, before the teams that list them as members and the keys that belong to them."""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.desired.access import USER_FIELDS, User
from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.kinds.access_diff import pick, setting_changes, spend_context, written_settings
from llmproxy.kinds.base import Cleanup, Ref, ResourceKind, Target
from llmproxy.live.access import LiveUser
from llmproxy.live.model import LiveState
from llmproxy.plan.access_refs import GrantableNames, broken_model_references
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify

UserChange = Change[User, LiveUser]


def by_email(live: LiveState) -> dict[str, list[LiveUser]]:
    out: dict[str, list[LiveUser]] = {}
    for u in live.users:
        if u.email:
            out.setdefault(u.email.lower(), []).append(u)
    return out


class Users(ResourceKind):
    name = "users"
    title = "Users"
    aliases = ("user",)
    level = 3
    desired_field = "users"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        res = DiffResult(self.name)
        wanted = {u.email.lower(): u for u in desired.users or ()}
        res.conflicts += broken_model_references(
            self.name, ((u.email, u.source, u.models) for u in wanted.values()), GrantableNames(desired, live))
        live_by_email = by_email(live)
        for key, user in wanted.items():
            self._one(res, user, live_by_email.get(key, []), ctx)
        for key, users in live_by_email.items():
            for current in users:
                if key in wanted and current is pick(users, ctx.owner):
                    continue
                owner = classify(False, current.marker, ctx.owner)
                res.counts.add(owner)
                if owner is Owner.MANAGED and key not in wanted:
                    res.deletions.append(Change(self.name, Action.DELETE, current.email or current.user_id,
                                                live=current, reason="managed by this owner, no longer in the config"))
        return res

    def _one(self, res: DiffResult, user: User, candidates: list[LiveUser], ctx: PlanContext) -> None:
        settings = user.settings()
        if not candidates:
            fields = tuple(FieldChange(k, after=v, absent_before=True) for k, v in settings.items())
            res.changes.append(Change(self.name, Action.CREATE, user.email, fields, desired=user))
            return
        current = pick(candidates, ctx.owner)
        if current is None:
            res.conflicts.append(Finding(self.name, user.email, "ambiguous",
                                         f"{len(candidates)} LiteLLM users have the email {user.email!r}; "
                                         "remove the duplicates by hand", "conflict"))
            return
        owner = classify(False, current.marker, ctx.owner)
        if owner is Owner.FOREIGN:
            assert current.marker is not None
            res.conflicts.append(Finding(self.name, user.email, "foreign",
                                         f"user {user.email!r} belongs to owner {current.marker.owner!r}; "
                                         "only one config may manage a user", "conflict"))
            return
        fields = tuple(setting_changes(settings, current.settings, current.marker.fields if current.marker else ()))
        context = spend_context(current.spend, current.settings.get("max_budget"))
        if owner is Owner.UNMANAGED:
            res.counts.adoptable += 1
            res.changes.append(Change(self.name, Action.ADOPT, user.email, fields, desired=user, live=current,
                                      reason="created outside llmproxy: adopt and stamp the ownership marker",
                                      context=context))
            return
        res.counts.managed += 1
        if fields or ctx.force:
            res.changes.append(Change(self.name, Action.UPDATE, user.email, fields, desired=user, live=current,
                                      reason="" if fields else "forced re-push (--repush)", context=context))

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: UserChange, target: Target) -> Cleanup | None:
        if change.action is Action.CREATE:
            target.users.create(change.want())
        else:
            target.users.update(change.want(), change.have(), written_settings(change.fields, USER_FIELDS))
        return None

    def delete(self, change: UserChange, target: Target) -> None:
        target.users.delete(change.have().user_id)

    def guard_deletions(self, changes: Sequence[Change], target: Target) -> dict[str, str]:
        """``/user/delete`` deletes the user's keys too: never a user who still has keys."""
        out: dict[str, str] = {}
        for c in changes:
            try:
                keys = target.users.key_count(c.have().user_id)
            except LLMProxyError as exc:
                out[c.key] = f"could not check the user's keys: {exc.message}"
                continue
            if keys:
                out[c.key] = (f"the user still has {keys} key(s); LiteLLM would delete them with the user "
                              "(delete or move them first)")
        return out

    def provides(self, change: Change) -> set[Ref]:
        return {("user", change.key.lower())}

    def present(self, live: LiveState) -> set[Ref]:
        return {("user", u.email.lower()) for u in live.users if u.email}
