"""Diff for model deployments. Identity: model_name + litellm model + credential.

LiteLLM's update endpoint merges ``litellm_params`` and ``model_info`` (a key that is omitted or
null keeps its old value), so a change that removes a field cannot be made in place: it becomes a
**replace** — create the replacement first, then delete the old deployment, so the model group is
never without a deployment.
"""

from __future__ import annotations

from collections import defaultdict

from llmproxy.desired.model import Deployment, DeploymentIdentity, DesiredState
from llmproxy.live.model import LiveDeployment, LiveState
from llmproxy.plan.compare import (
    SERVER_DEFAULT_PARAMS,
    SERVER_INFO_FIELDS,
    diff_fields,
    removed_fields,
)
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange

KIND = "models"


def _fields(
    dep: Deployment, live: LiveDeployment | None, ctx: PlanContext,
) -> tuple[list[FieldChange], list[FieldChange]]:
    """(changes expressible in place, removals that need a replacement)."""
    fps = ctx.fingerprinter.all(dep.litellm_params)
    marker = live.marker if live else None
    live_params = live.litellm_params if live else {}
    live_info = live.model_info if live else {}
    changes = diff_fields("litellm_params", dep.litellm_params, live_params, fingerprints=fps,
                          stored=marker.secrets if marker else None)
    changes += diff_fields("model_info", dep.model_info, live_info, fingerprints={}, stored=None)
    if live is None:
        return changes, []
    removals = removed_fields("litellm_params", dep.litellm_params, live_params,
                              previously_set=marker.fields if marker else (),
                              ignore=SERVER_DEFAULT_PARAMS)
    # model_info is enriched by LiteLLM from its cost map: only fields llmproxy set itself count.
    removals += removed_fields("model_info", dep.model_info, live_info,
                               previously_set=marker.info_fields if marker else (),
                               ignore=SERVER_INFO_FIELDS, extras_count=False)
    return changes, removals


def _pick(candidates: list[LiveDeployment], dep: Deployment, owner: str) -> LiveDeployment | None:
    preferred_id = dep.content_id(owner)
    ranked = sorted(candidates, key=lambda d: (d.id != preferred_id, d.id))
    return ranked[0] if ranked else None


def diff_models(desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
    res = DiffResult(KIND)
    ours: dict[DeploymentIdentity, list[LiveDeployment]] = defaultdict(list)
    adoptable: dict[DeploymentIdentity, list[LiveDeployment]] = defaultdict(list)
    for d in live.deployments:
        if d.read_only:
            res.counts.read_only += 1
        elif d.marker is None:
            adoptable[d.identity].append(d)
        elif d.marker.owner == ctx.owner:
            ours[d.identity].append(d)
        else:
            res.counts.foreign += 1

    matched: set[str] = set()
    for dep in desired.deployments or ():
        ident = dep.identity
        current = _pick(ours.get(ident, []), dep, ctx.owner)
        adopt = False
        if current is None:
            current = _pick(adoptable.get(ident, []), dep, ctx.owner)
            adopt = current is not None
        if current is None:
            changes, _ = _fields(dep, None, ctx)
            res.changes.append(Change(KIND, Action.CREATE, str(ident), tuple(changes), desired=dep))
            continue
        matched.add(current.id)
        if adopt:
            res.counts.adoptable += 1
        else:
            res.counts.managed += 1
        changes, removals = _fields(dep, current, ctx)
        if removals:
            names = ", ".join(f.path for f in removals)
            adopting = "made outside llmproxy and adopted by this plan; " if adopt else ""
            res.changes.append(Change(
                KIND, Action.REPLACE, str(ident), tuple(changes + removals), desired=dep, live=current,
                reason=f"{adopting}removing {names} needs a new deployment: LiteLLM's update keeps "
                       "omitted fields; the replacement is created first, then the old one deleted"))
        elif adopt:
            res.changes.append(Change(KIND, Action.ADOPT, str(ident), tuple(changes), desired=dep,
                                      live=current,
                                      reason="created outside llmproxy: adopt and stamp the ownership marker"))
        elif changes or ctx.force:
            res.changes.append(Change(KIND, Action.UPDATE, str(ident), tuple(changes), desired=dep,
                                      live=current, reason="" if changes else "forced re-push (--force)"))

    for group in ours.values():
        for d in group:
            if d.id not in matched:
                res.counts.managed += 1
                res.deletions.append(Change(KIND, Action.DELETE, f"{d.identity} [id {d.id}]", live=d,
                                            reason="managed by this owner, no longer in the config"))
    for group in adoptable.values():
        res.counts.unmanaged += sum(1 for d in group if d.id not in matched)
    return res
