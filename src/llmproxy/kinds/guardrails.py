"""Kind ``guardrails``: guardrails stored in LiteLLM's database. Identity: the name (unique in
LiteLLM). Ownership: the marker in ``guardrail_info``. Level 0: a deployment may name them.

LiteLLM shows ``litellm_params`` with every field of its guardrail model filled in, so only the
fields the config sets are compared (plus those llmproxy set before, from the marker: removing one
from the config removes it, as ``PUT`` replaces the whole object). Secret fields come back masked
and compare through the marker's fingerprints. Keys another tool wrote into ``guardrail_info`` are
kept on every write.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.desired.model import DesiredState, Guardrail
from llmproxy.kinds.base import Cleanup, Ref, ResourceKind, Target
from llmproxy.kinds.named_diff import diff_named
from llmproxy.live.marker import is_secret_name
from llmproxy.live.model import LiveGuardrail, LiveState
from llmproxy.plan.compare import diff_fields, removed_fields
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner

GuardrailChange = Change[Guardrail, LiveGuardrail]


def guardrail_fields(g: Guardrail, live: LiveGuardrail | None, ctx: PlanContext) -> list[FieldChange]:
    fps = ctx.fingerprinter.all(g.litellm_params)
    marker = live.marker if live else None
    params = live.litellm_params if live else {}
    info = live.info if live else {}
    changes = diff_fields("litellm_params", g.litellm_params, params, fingerprints=fps,
                          stored=marker.secrets if marker else None)
    changes += diff_fields("guardrail_info", g.info, info, fingerprints={}, stored=None)
    if live is not None:
        changes += removed_fields("litellm_params", g.litellm_params, params,
                                  previously_set=marker.fields if marker else (), extras_count=False)
        changes += removed_fields("guardrail_info", g.info, info,
                                  previously_set=marker.info_fields if marker else (), extras_count=False)
    return changes


def untouchable_secrets(g: Guardrail, live: LiveGuardrail) -> list[str]:
    """Secret fields of ``live`` that neither the config nor llmproxy (the marker) set: a write,
    which replaces the whole guardrail, would lose them (LiteLLM never shows them in clear)."""
    ours = set(live.marker.fields) if live.marker else set()
    return sorted(k for k, v in live.litellm_params.items()
                  if is_secret_name(k) and isinstance(v, str) and k not in g.litellm_params and k not in ours)


class Guardrails(ResourceKind):
    name = "guardrails"
    title = "Guardrails"
    aliases = ("guardrail",)
    level = 0
    reads = "guardrails"
    desired_field = "guardrails"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        def refuse(name: str, g: Guardrail, current: LiveGuardrail, fields: Sequence[FieldChange],
                   owner: Owner) -> Finding | None:
            lost = untouchable_secrets(g, current)
            if not (lost and (fields or owner is Owner.UNMANAGED or ctx.force)):
                return None
            return Finding(
                self.name, name, "secret_not_kept", f"guardrail {name!r} holds litellm_params."
                f"{', litellm_params.'.join(lost)}, which the config does not set: LiteLLM shows it only masked, "
                "so llmproxy cannot send it back and a write would drop it; set it in the config "
                '(e.g. "${VAR}")', "conflict")

        return diff_named(self.name, "guardrail", {g.name: g for g in desired.guardrails or ()},
                          live.guardrails or {}, ctx, create_fields=lambda g: guardrail_fields(g, None, ctx),
                          update_fields=lambda g, current: guardrail_fields(g, current, ctx), refuse=refuse)

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: GuardrailChange, target: Target) -> Cleanup | None:
        if change.action is Action.CREATE:
            target.create_guardrail(change.want())
        else:
            target.update_guardrail(change.want(), change.have())
        return None

    def delete(self, change: GuardrailChange, target: Target) -> None:
        target.delete_guardrail(change.have())

    def provides(self, change: Change) -> set[Ref]:
        return {("guardrail", change.key)}

    def present(self, live: LiveState) -> set[Ref]:
        return {("guardrail", name) for name in live.guardrails or {}}
