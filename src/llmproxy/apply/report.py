"""The outcome of an apply: what succeeded, what failed (with LiteLLM's reason), what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmproxy.plan.model import Action, Change

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
#: The detail of a change skipped because LiteLLM became unreachable (the circuit breaker opened).
NOT_ATTEMPTED = "not attempted: LiteLLM unreachable"


@dataclass(frozen=True)
class Outcome:
    change: Change
    status: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"kind": self.change.kind, "action": self.change.action.value, "key": self.change.key,
               "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    verify_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    writes: int = 0
    stopped: str = ""  # why the apply stopped early (LiteLLM unreachable), with what was applied
    #: Worth a line, not a failure: the replicas could not be checked (``litellm.replicas``).
    warnings: list[str] = field(default_factory=list)


    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.verify_errors and not self.stopped and all(o.status == OK for o in self.outcomes)

    def count(self, *actions: Action) -> int:
        return sum(1 for o in self.outcomes if o.status == OK and o.change.action in actions)

    def summary_line(self) -> str:
        parts = [f"{self.count(Action.CREATE)} created",
                 f"{self.count(Action.UPDATE, Action.ADOPT)} updated"]
        if self.count(Action.REPLACE):
            parts.append(f"{self.count(Action.REPLACE)} replaced")
        parts.append(f"{self.count(Action.DELETE)} deleted")
        failed, skipped = len(self.with_status(FAILED)), len(self.with_status(SKIPPED))
        if failed or skipped:
            parts.append(f"{failed} failed, {skipped} skipped")
        head = "Applied" if self.ok else "Apply incomplete"
        warned = f" {len(self.warnings)} warning(s) above." if self.warnings else ""
        return f"{head}: {', '.join(parts)} in {self.seconds:.1f}s ({self.writes} write requests).{warned}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary_line(), "seconds": round(self.seconds, 3),
                "writes": self.writes, "outcomes": [o.to_json() for o in self.outcomes],
                "verify_errors": self.verify_errors, "warnings": self.warnings, "stopped": self.stopped}
