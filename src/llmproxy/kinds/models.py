"""Kind ``models``: model deployments. Identity: model_name + upstream model + credential.
Ownership: the marker in ``model_info``. Level 1: they use credentials, router entries use them.

Where the target cannot remove a field in place (``capabilities.update_removes_fields`` is False,
as for LiteLLM, whose update merges), a change that removes one becomes a **replace**: the
replacement is created first, the old deployment deleted in the deletion phase, so the model group
is never without a deployment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from llmproxy.desired.model import Deployment, DeploymentIdentity, DesiredState
from llmproxy.kinds.base import Cleanup, Ref, ResourceKind, Target
from llmproxy.live.model import LiveDeployment, LiveState
from llmproxy.plan.compare import diff_fields, removed_fields
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify

DesiredRecord = Deployment
LiveRecord = LiveDeployment
ModelChange = Change[Deployment, LiveDeployment]


def _fields(dep: Deployment, live: LiveDeployment | None,
            ctx: PlanContext) -> tuple[list[FieldChange], list[FieldChange]]:
    """(changes expressible in place, removals)."""
    fps = ctx.fingerprinter.all(dep.litellm_params)
    marker = live.marker if live else None
    live_params = live.litellm_params if live else {}
    live_info = live.model_info if live else {}
    changes = diff_fields("litellm_params", dep.litellm_params, live_params, fingerprints=fps,
                          stored=marker.secrets if marker else None)
    changes += diff_fields("model_info", dep.model_info, live_info, fingerprints={}, stored=None)
    if live is None:
        return changes, []
    caps = ctx.capabilities
    removals = removed_fields("litellm_params", dep.litellm_params, live_params,
                              previously_set=marker.fields if marker else (),
                              ignore=caps.server_default_params)
    # model_info is enriched by the server: only fields llmproxy set itself count.
    removals += removed_fields("model_info", dep.model_info, live_info,
                               previously_set=marker.info_fields if marker else (),
                               ignore=caps.server_info_fields, extras_count=False)
    return changes, removals


def _config_file_twin(dep: Deployment, live: LiveState) -> LiveDeployment | None:
    """A deployment from LiteLLM's config file serving the same model under the same name."""
    return next((d for d in live.deployments if d.read_only and d.model_name == dep.model_name
                 and d.model == dep.model), None)


def _pick(candidates: list[LiveDeployment], dep: Deployment, owner: str) -> LiveDeployment | None:
    preferred_id = dep.content_id(owner)
    ids = {d.id for d in candidates}
    # The replacement of another candidate first (an interrupted replace), then the id we would give it.
    ranked = sorted(candidates, key=lambda d: (not (d.marker and d.marker.replaces in ids),
                                               d.id != preferred_id, d.id))
    return ranked[0] if ranked else None


class Models(ResourceKind):
    name = "models"
    title = "Models"
    aliases = ("model", "deployments", "deployment")
    level = 1
    desired_field = "deployments"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        res = DiffResult(self.name)
        ours: dict[DeploymentIdentity, list[LiveDeployment]] = defaultdict(list)
        adoptable: dict[DeploymentIdentity, list[LiveDeployment]] = defaultdict(list)
        for d in live.deployments:
            owner = classify(d.read_only, d.marker, ctx.owner)
            if owner is Owner.MANAGED:
                ours[d.identity].append(d)
            elif owner is Owner.UNMANAGED:
                adoptable[d.identity].append(d)
            else:
                res.counts.add(owner)
        matched: set[str] = set()
        for dep in desired.deployments or ():
            self._desired(dep, ours, adoptable, live, ctx, res, matched)
        self._interrupted_replaces(live, ours, ctx, res, matched)
        for group in ours.values():
            for d in group:
                if d.id not in matched:
                    res.counts.managed += 1
                    res.deletions.append(Change(self.name, Action.DELETE, f"{d.identity} [id {d.id}]", live=d,
                                                reason="managed by this owner, no longer in the config"))
        for group in adoptable.values():
            res.counts.unmanaged += sum(1 for d in group if d.id not in matched)
        return res

    def _desired(self, dep: Deployment, ours: Mapping[DeploymentIdentity, list[LiveDeployment]],
                 adoptable: Mapping[DeploymentIdentity, list[LiveDeployment]], live: LiveState,
                 ctx: PlanContext, res: DiffResult, matched: set[str]) -> None:
        """One desired deployment: matched with ours, else with an adoptable one, else created
        (unless LiteLLM's config file already has it)."""
        current = _pick(ours.get(dep.identity, []), dep, ctx.owner)
        adopt = False
        if current is None:
            current = _pick(adoptable.get(dep.identity, []), dep, ctx.owner)
            adopt = current is not None
        if current is None and (twin := _config_file_twin(dep, live)) is not None:
            res.conflicts.append(Finding(self.name, str(dep.identity), "read_only_identical", (
                f"model {dep.model_name!r} ({dep.model}) is already defined in LiteLLM's own config file "
                f"(id {twin.id}, read-only): not created again beside it")))
            return
        if current is not None:
            matched.add(current.id)
            if adopt:
                res.counts.adoptable += 1
            else:
                res.counts.managed += 1
        change = self._change(dep, current, adopt, ctx)
        if change is not None:
            res.changes.append(change)

    def _interrupted_replaces(self, live: LiveState, ours: Mapping[DeploymentIdentity, list[LiveDeployment]],
                              ctx: PlanContext, res: DiffResult, matched: set[str]) -> None:
        """A replace creates the new deployment first and deletes the old one after; if the run
        stopped in between, the new one names the old one: finish the replace (no --prune needed,
        the old copy is not a user's object)."""
        superseded = {d.marker.replaces: d.id for group in ours.values() for d in group
                      if d.id in matched and d.marker is not None and d.marker.replaces}
        for d in live.deployments:
            if d.id in superseded and d.id not in matched and not d.read_only and (
                    d.marker is None or d.marker.owner == ctx.owner):
                matched.add(d.id)
                res.changes.append(Change(self.name, Action.DELETE, f"{d.identity} [id {d.id}]", live=d,
                                          reason=f"left over from an interrupted replace: superseded by "
                                                 f"{superseded[d.id]}"))

    def _change(self, dep: Deployment, current: LiveDeployment | None, adopt: bool,
                ctx: PlanContext) -> Change | None:
        key = str(dep.identity)
        if current is None:
            changes, _ = _fields(dep, None, ctx)
            return Change(self.name, Action.CREATE, key, tuple(changes), desired=dep,
                          reason=f"discovered at {dep.discovered_from}" if dep.discovered_from else "")
        changes, removals = _fields(dep, current, ctx)
        if removals and not ctx.capabilities.update_removes_fields:
            names = ", ".join(f.path for f in removals)
            adopting = "made outside llmproxy and adopted by this plan; " if adopt else ""
            return Change(
                self.name, Action.REPLACE, key, tuple(changes + removals), desired=dep, live=current,
                reason=f"{adopting}removing {names} needs a new deployment: {ctx.capabilities.name}'s "
                       "update keeps omitted fields; the replacement is created first, then the old one deleted")
        changes += removals
        if adopt:
            return Change(self.name, Action.ADOPT, key, tuple(changes), desired=dep, live=current,
                          reason="created outside llmproxy: adopt and stamp the ownership marker")
        if changes or ctx.force:
            why = ["" if changes else "forced re-push (--repush)",
                   f"discovered at {dep.discovered_from}" if dep.discovered_from else ""]
            return Change(self.name, Action.UPDATE, key, tuple(changes), desired=dep, live=current,
                          reason="; ".join(w for w in why if w))
        return None

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: ModelChange, target: Target) -> Cleanup | None:
        if change.action is Action.CREATE:
            target.create_model(change.want())
        elif change.action is Action.REPLACE:
            old_id = change.have().id
            target.create_model(change.want(), avoid_id=old_id, replacing=change.have())
            return lambda: target.delete_model(old_id)
        else:
            target.update_model(change.want(), change.have())
        return None

    def delete(self, change: ModelChange, target: Target) -> None:
        target.delete_model(change.have().id)

    def requires(self, change: Change) -> set[Ref]:
        cred = change.desired.credential if change.desired is not None else None
        return {("credential", cred)} if cred else set()

    def blocked_reason(self, names: Sequence[str]) -> str:
        return f"its credential {', '.join(names)!r} could not be written"

    def provides(self, change: Change) -> set[Ref]:
        return {("model", change.desired.model_name)} if change.desired is not None else set()

    def present(self, live: LiveState) -> set[Ref]:
        return {("model", d.model_name) for d in live.deployments}
