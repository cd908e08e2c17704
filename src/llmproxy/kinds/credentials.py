"""Kind ``credentials``: LiteLLM credentials (provider keys and bases). Identity: the name.
Ownership: the marker in ``credential_info``. Level 0: models refer to them."""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.desired.model import Credential, DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.kinds.base import Cleanup, Ref, ResourceKind, Target
from llmproxy.kinds.named_diff import diff_named
from llmproxy.live.model import LiveCredential, LiveState
from llmproxy.plan.compare import diff_fields, removed_fields
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding

DesiredRecord = Credential
LiveRecord = LiveCredential
CredentialChange = Change[Credential, LiveCredential]


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
    # Only info keys llmproxy set itself are removed; every other one is kept (other tools' metadata).
    changes += removed_fields("credential_info", cred.info, live.info,
                              previously_set=marker.info_fields if marker else (), extras_count=False)
    return changes


def _references(live: LiveState, changes: Sequence[Change]) -> dict[str, int]:
    """Models that refer to each credential after ``changes``: live ones not deleted, and new ones."""
    gone = {c.have().id for c in changes if c.kind == "models" and c.action is Action.DELETE}
    refs: dict[str, int] = {}
    for d in live.deployments:
        if d.id not in gone and d.credential:
            refs[d.credential] = refs.get(d.credential, 0) + 1
    for c in changes:
        if c.kind == "models" and c.desired is not None and c.desired.credential:
            refs[c.desired.credential] = refs.get(c.desired.credential, 0) + 1
    return refs


class Credentials(ResourceKind):
    name = "credentials"
    title = "Credentials"
    aliases = ("credential",)
    level = 0
    desired_field = "credentials"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        return diff_named(self.name, "credential", {c.name: c for c in desired.credentials or ()},
                          live.credentials, ctx, create_fields=lambda cred: _create_fields(cred, ctx),
                          update_fields=lambda cred, current: _update_fields(cred, current, ctx))

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: CredentialChange, target: Target) -> Cleanup | None:
        if change.action is Action.CREATE:
            target.create_credential(change.want())
        else:
            target.update_credential(change.want(), change.live)
        return None

    def delete(self, change: Change, target: Target) -> None:
        target.delete_credential(change.key)

    def guard_deletions(self, changes: Sequence[Change], target: Target) -> dict[str, str]:
        """Re-read just before deleting: never delete a credential a live model references."""
        try:
            in_use = target.credentials_in_use()
        except LLMProxyError as exc:
            return {c.key: f"could not check which models use it: {exc.message}" for c in changes}
        return {c.key: "a live model still uses this credential" for c in changes if c.key in in_use}

    def keep(self, change: Change, live: LiveState, changes: Sequence[Change]) -> Finding | None:
        refs = _references(live, changes).get(change.key, 0)
        if not refs:
            return None
        return Finding(self.name, change.key, "kept_in_use",
                       f"credential {change.key!r} is no longer in the config but is kept: "
                       f"{refs} model(s) still use it")

    def provides(self, change: Change) -> set[Ref]:
        # Every credential write counts, updates too: a model is not pointed at a credential
        # whose new values could not be written.
        return {("credential", change.key)}
