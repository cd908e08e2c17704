"""What an export may describe: the credentials and DB models this owner may manage.

Left out, with a note: models and credentials from LiteLLM's own config file (read-only through
the API), objects carrying another owner's marker, llmproxy's ledger credentials (read_live
already sets those apart), a second deployment with the same identity (the config language allows
one), and deployments without a ``model``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llmproxy.export.views import CredentialView, ModelView, credential_view, model_view
from llmproxy.live.model import LiveState


@dataclass
class Selection:
    credentials: list[CredentialView] = field(default_factory=list)
    models: list[ModelView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def select(live: LiveState, owner: str) -> Selection:
    sel = Selection()
    read_only: list[str] = []
    foreign: list[str] = []
    for cred in sorted(live.credentials.values(), key=lambda c: c.name):
        if cred.read_only:
            read_only.append(f"credential {cred.name}")
        elif cred.marker and cred.marker.owner != owner:
            foreign.append(f"credential {cred.name} ({cred.marker.owner})")
        else:
            sel.credentials.append(credential_view(cred))
    seen: dict[object, str] = {}
    for dep in live.deployments:
        if dep.read_only:
            read_only.append(f"model {dep.model_name}")
        elif dep.marker and dep.marker.owner != owner:
            foreign.append(f"model {dep.model_name} ({dep.marker.owner})")
        elif not dep.model:
            sel.notes.append(f"model {dep.model_name!r} (id {dep.id}) has no litellm_params.model; left out")
        elif dep.identity in seen:
            sel.notes.append(f"model {dep.identity} exists twice; exported id {seen[dep.identity]}, the copy "
                             f"with id {dep.id} stays as it is (a config can describe one)")
        else:
            seen[dep.identity] = dep.id
            sel.models.append(model_view(dep))
    if read_only:
        sel.notes.append(f"left out {len(read_only)} object(s) from LiteLLM's own config file (read-only "
                         f"through the API): {_names(read_only)}")
    if foreign:
        sel.notes.append(f"left out {len(foreign)} object(s) of other owners: {_names(foreign)}")
    return sel
