"""What a plan holds: actions, field changes, changes, per-kind counts and the plan itself.
Plain dataclasses; rendering lives in ``plan.render``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from llmproxy.plan.ownership import Owner

if TYPE_CHECKING:
    from llmproxy.plan.safety import UnsafePlan
from llmproxy.redaction import REDACTED, redact_mapping


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"  # in place (LiteLLM's update endpoint can express it)
    REPLACE = "replace"  # create the replacement first, then delete the old object
    ADOPT = "adopt"  # no marker but desired: stamp our marker (and update if needed)
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "±", "adopt": "⊕", "delete": "-"}[self.value]


SENSITIVE_CHANGE = "(sensitive value changed)"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any = None
    after: Any = None
    sensitive: bool = False
    absent_before: bool = False
    absent_after: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.sensitive:
            return {"path": self.path, "change": SENSITIVE_CHANGE}
        # Values under a non-secret key can still hold secret keys ({"extra_headers": {"Authorization": ...}}).
        out: dict[str, Any] = {"path": self.path}
        if not self.absent_before:
            out["before"] = redact_mapping(self.before)
        if not self.absent_after:
            out["after"] = redact_mapping(self.after)
        return out

    def describe(self) -> str:
        if self.sensitive:
            return f"{self.path}: {SENSITIVE_CHANGE}"
        if self.absent_before:
            return f"{self.path}: + {_short(self.after)}"
        if self.absent_after:
            return f"{self.path}: - {_short(self.before)} (removed)"
        return f"{self.path}: {_short(self.before)} → {_short(self.after)}"


def _short(value: Any, limit: int = 80) -> str:
    value = redact_mapping(value)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else value
    if value == REDACTED:
        return REDACTED
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: A kind's desired and live record types (``Change[Credential, LiveCredential]``); a bare
#: ``Change`` is ``Change[Any, Any]``.
D = TypeVar("D", default=Any)
L = TypeVar("L", default=Any)


@dataclass(frozen=True)
class Change(Generic[D, L]):
    """One write (or a group of writes to one resource) the apply step will perform."""

    kind: str  # a registered kind's name (llmproxy.kinds)
    action: Action
    key: str  # the resource's identity, for display and for the checksum
    fields: tuple[FieldChange, ...] = ()
    desired: D | None = None  # the desired record (None: a deletion)
    live: L | None = None  # the live record (None: a creation)
    reason: str = ""  # why (e.g. why a replace rather than an update)
    #: State shown for context, never applied and not part of the checksum (a team's spend
    #: beside its budget: it moves with traffic, so a reviewed plan must not depend on it).
    context: str = ""

    def want(self) -> D:
        """The desired record; an error for a deletion (which has none)."""
        if self.desired is None:
            raise ValueError(f"{self.action.value} {self.kind} {self.key}: no desired record")
        return self.desired

    def have(self) -> L:
        """The live record; an error for a creation (which has none)."""
        if self.live is None:
            raise ValueError(f"{self.action.value} {self.kind} {self.key}: no live record")
        return self.live

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "action": self.action.value, "key": self.key}
        if self.fields:
            out["fields"] = [f.to_json() for f in self.fields]
        if self.reason:
            out["reason"] = self.reason
        live_id = getattr(self.live, "id", None)
        if live_id:
            out["id"] = live_id
        if self.context:
            out["context"] = self.context
        return out


@dataclass
class KindCounts:
    managed: int = 0
    adoptable: int = 0
    foreign: int = 0
    unmanaged: int = 0
    read_only: int = 0

    def add(self, owner: Owner) -> None:
        """Count one object under its ownership class."""
        setattr(self, owner.value, getattr(self, owner.value) + 1)

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Finding:
    """Something the plan found about one object: a conflict (never applied), a broken
    reference (never applied) or a note. ``code`` is stable, for tools; ``message`` for people."""

    kind: str
    key: str
    code: str  # foreign, read_only, broken_reference, kept_in_use, omitted, ledger_stale, ledger_record,
    #            replicas_disagree, replicas_unchecked (the replica check before a plan), ...
    message: str
    severity: str = "note"  # "conflict", "broken_reference", "ledger_repair" or "note"

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "code": self.code, "severity": self.severity,
                "message": self.message}


@dataclass(frozen=True)
class Plan:
    """Everything apply needs, built once by ``plan.builder.build_plan`` and never changed."""

    owner: str
    kinds: tuple[str, ...]  # kinds this plan covers (``--only``; omitted config sections excluded)
    prune: bool
    forced: bool = False  # --force / --repush: re-push every selected managed object
    unsafe_allowed: bool = False  # --allow-unsafe: over the safety thresholds, on purpose
    changes: tuple[Change, ...] = ()
    pending_prune: tuple[Change, ...] = ()  # deletions held back without --prune
    counts: Mapping[str, KindCounts] = field(default_factory=dict)
    unsafe: tuple[UnsafePlan, ...] = ()  # over a safety threshold (needs --allow-unsafe)
    findings: tuple[Finding, ...] = ()

    def _messages(self, severity: str) -> tuple[str, ...]:
        return tuple(f.message for f in self.findings if f.severity == severity)

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Objects the plan may not touch (another owner's, read-only): the plan is refused."""
        return self._messages("conflict")

    @property
    def broken_refs(self) -> tuple[str, ...]:
        """Routing preflight failures: the plan is refused."""
        return self._messages("broken_reference")

    @property
    def notes(self) -> tuple[str, ...]:
        return self._messages("note")

    @property
    def ledger_repairs(self) -> tuple[str, ...]:
        """The owner's ledger is out of step with LiteLLM (a lost ledger write, a hand edit): sync
        rewrites it, though LiteLLM's routing does not change."""
        return self._messages("ledger_repair")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.ledger_repairs)

    @property
    def refused(self) -> bool:
        """A plan that must not be applied at all (even with --allow-unsafe)."""
        return bool(self.broken_refs or self.conflicts)

    def by_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def count(self, *actions: Action) -> int:
        return sum(1 for c in self.changes if c.action in actions)

    def summary_line(self) -> str:
        if not self.changes:
            extra = f" ({len(self.pending_prune)} would be pruned with --prune)" if self.pending_prune else ""
            if self.ledger_repairs:
                return (f"Plan: LiteLLM matches the config; the ledger of owner {self.owner!r} needs "
                        f"{len(self.ledger_repairs)} repair(s) (sync rewrites it).{extra}")
            return f"No changes. LiteLLM matches the config.{extra}"
        create = self.count(Action.CREATE)
        update = self.count(Action.UPDATE, Action.ADOPT)
        replace = self.count(Action.REPLACE)
        delete = self.count(Action.DELETE)
        parts = [f"{create} to create", f"{update} to update"]
        if replace:
            parts.append(f"{replace} to replace")
        parts.append(f"{delete} to delete")
        adopt = self.count(Action.ADOPT)
        tail = f" ({adopt} adopted)" if adopt else ""
        if self.pending_prune:
            tail += f"; {len(self.pending_prune)} would be pruned with --prune"
        if self.ledger_repairs:
            tail += f"; {len(self.ledger_repairs)} ledger repair(s)"
        return "Plan: " + ", ".join(parts) + "." + tail

    def checksum(self) -> str:
        """A short hash of what the plan would do (not of timestamps or display text)."""
        payload = json.dumps(
            {"owner": self.owner, "prune": self.prune,
             "changes": [{k: v for k, v in c.to_json().items() if k != "context"} for c in self.changes],
             "ledger_repairs": list(self.ledger_repairs)},
            sort_keys=True, separators=(",", ":"), default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "kinds": list(self.kinds),
            "prune": self.prune,
            "summary": self.summary_line(),
            "checksum": self.checksum(),
            "has_changes": self.has_changes,
            "changes": [c.to_json() for c in self.changes],
            "pending_prune": [c.to_json() for c in self.pending_prune],
            "counts": {k: c.to_json() for k, c in self.counts.items()},
            "unsafe": [str(u) for u in self.unsafe],
            "unsafe_allowed": self.unsafe_allowed,
            "broken_refs": list(self.broken_refs),
            "conflicts": list(self.conflicts),
            "notes": list(self.notes),
            "ledger_repairs": list(self.ledger_repairs),
            "findings": [f.to_json() for f in self.findings],
        }
