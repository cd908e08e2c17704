"""Export of the guardrails and of the public model hub.

* A DB guardrail this owner may describe (no other owner's marker, not from LiteLLM's config
  file) becomes ``guardrails.<name>``: the ``litellm_params`` fields llmproxy set (the marker), or,
  for one made elsewhere, every field but the values LiteLLM fills in by itself
  (``guardrails_api.SERVER_DEFAULTS``); a secret (shown masked) becomes ``${VAR}``. Its
  ``guardrail_info`` without llmproxy's marker.
* ``public_model_hub``: the public groups, in LiteLLM's order, but those another owner's ledger claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import thaw
from llmproxy.export.views import SecretRef
from llmproxy.litellm.guardrails_api import user_params
from llmproxy.live.marker import is_secret_name
from llmproxy.live.model import LiveGuardrail, LiveState
from llmproxy.redaction import env_var_name, is_env_reference


@dataclass
class GuardrailExport:
    guardrails: dict[str, Any] = field(default_factory=dict)
    public_model_hub: list[str] | None = None
    secrets: list[tuple[str, str]] = field(default_factory=list)  # (variable, what it is)
    notes: list[str] = field(default_factory=list)


def _params(g: LiveGuardrail) -> dict[str, Any]:
    if g.marker is not None:
        return {k: g.litellm_params[k] for k in g.marker.fields if k in g.litellm_params}
    return user_params(g.litellm_params)


def _with_secret_refs(name: str, params: Mapping[str, Any], out: GuardrailExport) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and is_secret_name(key) and not is_env_reference(value):
            var = env_var_name("guardrail", name, key)
            out.secrets.append((var, f"litellm_params.{key} of guardrail {name} (LiteLLM shows it only masked)"))
            result[key] = SecretRef(var)
        else:
            result[key] = thaw(value)
    return result


def export_guardrails(live: LiveState, owner: str) -> GuardrailExport:
    out = GuardrailExport()
    skipped: list[str] = []
    for name, g in sorted((live.guardrails or {}).items()):
        if g.read_only or (g.marker is not None and g.marker.owner != owner):
            skipped.append(name)
            continue
        entry: dict[str, Any] = {"litellm_params": _with_secret_refs(name, _params(g), out)}
        if g.info:
            entry["guardrail_info"] = thaw(g.info)
        out.guardrails[name] = entry
    if skipped:
        out.notes.append(f"left out {len(skipped)} guardrail(s) from LiteLLM's config file or of other owners: "
                         + ", ".join(skipped))
    if live.public_model_groups:
        theirs = {g for o, led in live.ledgers.items() if o != owner for g in led.entries("public_model_hub")}
        out.public_model_hub = [g for g in live.public_model_groups if g not in theirs]
    return out
