"""Kind ``keys``: LiteLLM virtual keys. Identity: the key alias. Ownership: the marker in the key's
``metadata``. Level 5: after teams and users, which keys refer to.

A key that does not exist is minted, and its secret delivered once (``keys.delivery``); one that
exists is updated in place (``/key/update``: same secret). Spend is state, not config: it is shown
beside the budget, never reset. With ``key_policy.apply_to: "all"`` the policy's limits are also
enforced on keys llmproxy does not own (never taking them over, never deleting them).
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from typing import Any

from llmproxy.desired.keys import LIMIT_FIELDS, DesiredKey, KeyPolicy, build_key
from llmproxy.desired.model import DesiredState, thaw
from llmproxy.kinds.access_diff import spend_context
from llmproxy.kinds.access_kind import MarkerOwnedKind
from llmproxy.kinds.base import Cleanup, Ref, Target
from llmproxy.kinds.key_refs import key_reference_problems
from llmproxy.live.keys import LiveKey
from llmproxy.live.model import LiveState
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify

KeyChange = Change[DesiredKey, LiveKey]
_MISSING = object()


def _live_value(live: LiveKey, name: str) -> Any:
    if name == "models":
        return list(live.models)
    if name == "duration":
        return live.duration
    return getattr(live, name)


def _same(name: str, want: Any, have: Any) -> bool:
    if name == "models":
        return sorted(want or []) == sorted(have or [])
    if name == "max_budget" and want is not None and have is not None:
        return math.isclose(float(want), float(have), rel_tol=1e-9, abs_tol=1e-9)
    return bool(want == have)


def _limit_changes(key: DesiredKey, live: LiveKey, ours: bool) -> list[FieldChange]:
    want = key.limits()
    out: list[FieldChange] = []
    for name in LIMIT_FIELDS:
        if name == "metadata" or name not in want:
            continue
        have = _live_value(live, name)
        if not _same(name, want[name], have):
            out.append(FieldChange(name, before=have, after=want[name], absent_before=have is None))
    for name in (live.marker.fields if live.marker and ours else ()):
        if name in want or name in ("metadata", "duration"):
            continue
        have = _live_value(live, name)
        if have not in (None, [], ()):  # set by llmproxy, dropped from the config: no limit any more
            out.append(FieldChange(name, before=have, absent_after=True))
    return out


def _metadata_changes(key: DesiredKey, live: LiveKey, ours: bool) -> list[FieldChange]:
    out: list[FieldChange] = []
    for k, v in (thaw(key.metadata) or {}).items():
        if live.metadata.get(k, _MISSING) != v:
            out.append(FieldChange(f"metadata.{k}", before=live.metadata.get(k), after=v,
                                   absent_before=k not in live.metadata))
    for k in (live.marker.info_fields if live.marker and ours else ()):
        if k not in (key.metadata or {}) and k in live.metadata:
            out.append(FieldChange(f"metadata.{k}", before=live.metadata[k], absent_after=True))
    return out


def _holder_changes(key: DesiredKey, live: LiveKey) -> list[FieldChange]:
    """The key's user and team (by email and alias; LiteLLM holds their ids)."""
    out: list[FieldChange] = []
    if key.user and (live.user_email or "").lower() != key.user.lower():
        out.append(FieldChange("user", before=live.user_email or live.user_id, after=key.user,
                               absent_before=not (live.user_email or live.user_id)))
    if key.team and live.team != key.team:
        out.append(FieldChange("team", before=live.team or live.team_id, after=key.team,
                               absent_before=not (live.team or live.team_id)))
    return out


def field_changes(key: DesiredKey, live: LiveKey, owner: str) -> list[FieldChange]:
    ours = live.marker is not None and live.marker.owner == owner
    return _limit_changes(key, live, ours) + _metadata_changes(key, live, ours) + _holder_changes(key, live)


def _create_fields(key: DesiredKey) -> tuple[FieldChange, ...]:
    fields = [FieldChange(n, after=v, absent_before=True) for n, v in key.limits().items() if n != "metadata"]
    fields += [FieldChange(f"metadata.{k}", after=v, absent_before=True) for k, v in thaw(key.metadata or {}).items()]
    for name in ("user", "team"):
        if getattr(key, name):
            fields.append(FieldChange(name, after=getattr(key, name), absent_before=True))
    return tuple(fields)


def _policy_change(policy: KeyPolicy, live: LiveKey) -> KeyChange | None:
    """The policy enforced on a key llmproxy does not own: only the fields the policy sets."""
    values, sources = policy.resolve(live.alias or "", live.user_email, live.team)
    # A duration restarts the key's validity each time it is sent, and on a key llmproxy does not
    # own there is no marker to remember it was sent: it applies to the keys llmproxy creates only.
    values.pop("duration", None)
    if not values:
        return None
    key = replace(build_key(live.key, None, None, values, sources, "key_policy"), enforce_only=True)
    fields = [f for f in field_changes(key, live, owner="") if not f.path.startswith(("user", "team"))]
    if not fields:
        return None
    return Change("keys", Action.UPDATE, live.key, tuple(fields), desired=key, live=live,
                  context=spend_context(live.spend, live.max_budget),
                  reason='key_policy.apply_to "all": the policy on a key llmproxy does not own (not adopted)')


class Keys(MarkerOwnedKind):
    name = "keys"
    title = "Keys"
    aliases = ("key",)
    level = 5
    desired_field = "keys"
    noun = "key"
    adopt_reason = "created outside llmproxy: adopt (same secret) and stamp the marker"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        res = DiffResult(self.name)
        wanted = {k.alias: k for k in desired.keys or ()}
        by_alias: dict[str, list[LiveKey]] = {}
        for lk in live.keys:
            if lk.alias:
                by_alias.setdefault(lk.alias, []).append(lk)
        res.conflicts += key_reference_problems(wanted.values(), desired, live)
        for alias, key in wanted.items():
            found = by_alias.get(alias, [])
            if not found:
                res.changes.append(Change(self.name, Action.CREATE, alias, _create_fields(key), desired=key,
                                          reason="new key: its secret is delivered once (--keys-out / --output json)"))
                continue
            if len(found) > 1:
                res.conflicts.append(Finding(self.name, alias, "duplicate_alias",
                                             f"{len(found)} keys have the alias {alias!r}; rename all but one",
                                             "conflict"))
                continue
            self.settle(res, alias, key, found[0], ctx, partial(field_changes, key, found[0], ctx.owner),
                        spend_context(found[0].spend, found[0].max_budget))
        policy = desired.key_policy
        for lk in live.keys:
            if lk.alias in wanted:
                continue
            owner = classify(False, lk.marker, ctx.owner)
            res.counts.add(owner)
            if owner is Owner.MANAGED:
                res.deletions.append(Change(self.name, Action.DELETE, lk.key, live=lk,
                                            reason="created or adopted by this owner, no longer in the config"))
            elif owner is Owner.UNMANAGED and policy is not None and policy.apply_to == "all":
                change = _policy_change(policy, lk)
                if change is not None:
                    res.changes.append(change)
        return res

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: KeyChange, target: Target) -> Cleanup | None:
        key = change.want()
        if change.action is Action.CREATE:
            target.create_key(key)
        else:
            target.update_key(key, change.have(), stamp=not key.enforce_only)
        return None

    def delete(self, change: Change, target: Target) -> None:
        target.delete_key(change.have())

    def requires(self, change: Change) -> set[Ref]:
        """A key is not written for a team or user whose own write failed (teams, users kinds)."""
        key = change.desired
        if not isinstance(key, DesiredKey) or key.enforce_only:
            return set()
        return ({("team", key.team)} if key.team else set()) | ({("user", key.user.lower())} if key.user else set())
