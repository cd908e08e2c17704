"""What the ``teams`` and ``users`` kinds share: field diffs of settings, the one live object a
name means, and spend shown beside the budget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from llmproxy.live.marker import Marker, Owned
from llmproxy.plan.compare import same
from llmproxy.plan.model import FieldChange

#: The value that clears a setting llmproxy set before and the config dropped (``null`` clears a
#: limit; an empty ``models`` list means "every model" to LiteLLM).
CLEARED: Mapping[str, Any] = {"models": [], "max_budget": None, "budget_duration": None,
                              "rpm_limit": None, "tpm_limit": None}


def setting_changes(desired: Mapping[str, Any], live: Mapping[str, Any],
                    previously_set: Iterable[str]) -> list[FieldChange]:
    """The settings to write: the config's values LiteLLM does not hold, and the settings
    llmproxy set before that the config no longer has (cleared, if LiteLLM can clear them)."""
    out = [FieldChange(k, before=live.get(k), after=v) for k, v in desired.items() if not same(v, live.get(k))]
    for k in sorted(set(previously_set) - set(desired)):
        if k in CLEARED and not same(live.get(k), CLEARED[k]):
            out.append(FieldChange(k, before=live.get(k), absent_after=True))
    return out


def written_settings(fields: Iterable[FieldChange], names: Sequence[str]) -> dict[str, Any]:
    """The request fields for the setting changes among ``fields``."""
    return {f.path: (CLEARED[f.path] if f.absent_after else f.after) for f in fields if f.path in names}


def metadata_changes(desired: Mapping[str, Any], live: Mapping[str, Any], marker: Marker | None) -> list[FieldChange]:
    out = [FieldChange(f"metadata.{k}", before=live.get(k), after=v, absent_before=k not in live)
           for k, v in desired.items() if k not in live or not same(v, live[k])]
    for k in sorted(set(marker.info_fields if marker else ()) - set(desired)):
        if k in live:
            out.append(FieldChange(f"metadata.{k}", before=live[k], absent_after=True))
    return out


def spend_context(spend: float | None, budget: Any) -> str:
    """"spend 3.20 USD of max_budget 25 USD" with LiteLLM's current budget (context only: spend is
    state, never written)."""
    if spend is None:
        return ""
    shown = f"spend {spend:.2f} USD"
    return f"{shown} of max_budget {budget:g} USD" if isinstance(budget, (int, float)) else shown


OwnedT = TypeVar("OwnedT", bound=Owned)


def pick(candidates: Sequence[OwnedT], owner: str) -> OwnedT | None:
    """The one live object a config name means: the only one, or the only one of ``owner``;
    None when several qualify (ambiguous: a conflict)."""
    if len(candidates) == 1:
        return candidates[0]
    ours = [c for c in candidates if c.marker is not None and c.marker.owner == owner]
    return ours[0] if len(ours) == 1 else None
