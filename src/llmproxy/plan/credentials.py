"""Diff for credentials. Identity: the credential name."""

from __future__ import annotations

from llmproxy.desired.model import Credential, DesiredState
from llmproxy.live.model import LiveCredential, LiveState
from llmproxy.plan.compare import diff_fields, removed_fields
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange

KIND = "credentials"


def _create_fields(cred: Credential, ctx: PlanContext) -> tuple[FieldChange, ...]:
    fps = ctx.fingerprinter.all(cred.values)
    return tuple(diff_fields("credential_values", cred.values, {}, fingerprints=fps, stored=None)
                 + diff_fields("credential_info", cred.info, {}, fingerprints={}, stored=None))


def _update_fields(cred: Credential, live: LiveCredential, ctx: PlanContext) -> list[FieldChange]:
    fps = ctx.fingerprinter.all(cred.values)
    marker = live.marker
    changes = diff_fields("credential_values", cred.values, live.values, fingerprints=fps,
                          stored=marker.secrets if marker else None)
    # Removing a value is expressible in place (credential_values_to_delete).
    changes += removed_fields("credential_values", cred.values, live.values,
                              previously_set=marker.fields if marker else (), extras_count=True)
    changes += diff_fields("credential_info", cred.info, live.info, fingerprints={}, stored=None)
    return changes


def diff_credentials(desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
    res = DiffResult(KIND)
    wanted = {c.name: c for c in desired.credentials or ()}
    for name, cred in wanted.items():
        current = live.credentials.get(name)
        if current is None:
            res.changes.append(Change(KIND, Action.CREATE, name, _create_fields(cred, ctx), desired=cred))
            continue
        if current.read_only:
            res.conflicts.append(f"credential {name!r} is defined in LiteLLM's config file and cannot "
                                 "be managed through the API; rename it in config.json or remove it there")
            continue
        if current.marker and current.marker.owner != ctx.owner:
            res.conflicts.append(f"credential {name!r} belongs to owner {current.marker.owner!r}; "
                                 "give it another name in this config")
            continue
        fields = _update_fields(cred, current, ctx)
        if current.marker is None:
            res.counts.adoptable += 1
            res.changes.append(Change(KIND, Action.ADOPT, name, tuple(fields), desired=cred, live=current,
                                      reason="created outside llmproxy: adopt and stamp the ownership marker"))
            continue
        res.counts.managed += 1
        if fields or ctx.force:
            res.changes.append(Change(KIND, Action.UPDATE, name, tuple(fields), desired=cred, live=current,
                                      reason="" if fields else "forced re-push (--force)"))

    for name, current in live.credentials.items():
        if name in wanted:
            continue
        if current.read_only:
            res.counts.read_only += 1
        elif current.marker is None:
            res.counts.unmanaged += 1
        elif current.marker.owner != ctx.owner:
            res.counts.foreign += 1
        else:
            res.counts.managed += 1
            res.deletions.append(Change(KIND, Action.DELETE, name, live=current,
                                        reason="managed by this owner, no longer in the config"))
    return res
