"""Which names a probe sends a request for.

* after ``sync``: every model group a model change created or replaced, or updated or adopted with
  a changed field (not a bare ownership marker or a forced re-push), every group whose credential
  changed (a new key or URL changes what the group answers), and every alias created or changed;
* ``status --probe`` / ``probe``: every model group and alias of the config.

Names with ``*`` are patterns (LiteLLM matches request names against them), not something a client
sends: they are listed as skipped; probe a concrete name instead (``--probe-model NAME``).
"""

from __future__ import annotations

from collections.abc import Iterable

from llmproxy.desired.model import Credential, Deployment, DesiredState
from llmproxy.plan.model import Action, Plan

NEW = frozenset({Action.CREATE, Action.REPLACE})
CHANGED = frozenset({Action.UPDATE, Action.ADOPT})  # probed when a field changes, not for a marker alone


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def managed_names(desired: DesiredState) -> list[str]:
    """Every model group (in config order), then every alias."""
    groups = [d.model_name for d in desired.deployments or ()]
    return _unique([*groups, *(desired.aliases or {})])


def changed_names(plan: Plan, desired: DesiredState) -> list[str]:
    """The groups and aliases the plan creates or changes (deletions are not probed)."""
    names: list[str] = []
    changed_credentials: set[str] = set()
    for change in plan.changes:
        if not (change.action in NEW or (change.action in CHANGED and change.fields)):
            continue
        if change.kind == "models" and isinstance(change.desired, Deployment):
            names.append(change.desired.model_name)
        elif change.kind == "credentials" and isinstance(change.desired, Credential):
            changed_credentials.add(change.desired.name)
        elif change.kind == "aliases":
            names.append(change.key)
    for deployment in desired.deployments or ():
        if deployment.credential in changed_credentials:
            names.append(deployment.model_name)
    order = {name: i for i, name in enumerate(managed_names(desired))}
    return sorted(_unique(names), key=lambda n: order.get(n, len(order)))


def is_pattern(name: str) -> bool:
    return "*" in name
