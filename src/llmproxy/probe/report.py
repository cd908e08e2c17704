"""What a probe found, per name, and how it is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.text import Text

from llmproxy.litellm.dataplane import Answer

COST_NOTE = "sends one real 1-token request per name through the gateway: it costs tokens"
OK, FAIL, SKIP = "ok", "fail", "skipped"
MARK = {OK: "✓", FAIL: "✗", SKIP: "-"}
STYLE = {OK: "green", FAIL: "bold red", SKIP: "dim"}


@dataclass(frozen=True)
class ProbeResult:
    name: str
    status: str  # OK, FAIL or SKIP
    http_status: int | None = None
    outcome: str = ""  # "OK", "HTTP 401", "timeout", "cooldown", "unreachable", "pattern"
    seconds: float | None = None
    reason: str = ""
    deployment: str | None = None

    @classmethod
    def from_answer(cls, name: str, answer: Answer) -> ProbeResult:
        if answer.status == 200:
            return cls(name, OK, 200, "OK", answer.seconds, deployment=answer.deployment)
        low = answer.reason.lower()
        if answer.timed_out or answer.status == 408:
            outcome = "timeout"
        elif answer.status is None:
            outcome = "unreachable"
        elif answer.status == 429 and ("cooldown" in low or "no deployments available" in low):
            outcome = "cooldown"
        else:
            outcome = f"HTTP {answer.status}"
        return cls(name, FAIL, answer.status, outcome, answer.seconds, answer.reason, answer.deployment)

    @classmethod
    def skipped(cls, name: str, why: str) -> ProbeResult:
        return cls(name, SKIP, outcome="skipped", reason=why)

    @property
    def latency_ms(self) -> int | None:
        return None if self.seconds is None else round(self.seconds * 1000)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "outcome": self.outcome,
                               "http_status": self.http_status, "latency_ms": self.latency_ms}
        if self.reason:
            out["reason"] = self.reason
        if self.deployment:
            out["deployment"] = self.deployment
        return out


@dataclass
class ProbeReport:
    results: list[ProbeResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ProbeResult]:
        return [r for r in self.results if r.status == FAIL]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary_line(self) -> str:
        n = sum(1 for r in self.results if r.status != SKIP)
        if not self.results:
            return "Probe: nothing to probe."
        parts = [f"{n - len(self.failed)} ok", f"{len(self.failed)} failed"]
        skipped = len(self.results) - n
        if skipped:
            parts.append(f"{skipped} skipped")
        return f"Probed {n} name(s): {', '.join(parts)}."

    def failures_line(self) -> str:
        """``name (outcome: reason)`` for each failure, for one-line summaries."""
        return "; ".join(f"{r.name} ({r.outcome}{': ' + r.reason if r.reason else ''})" for r in self.failed)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary_line(), "note": COST_NOTE,
                "results": [r.to_json() for r in self.results]}


def render_probe_text(report: ProbeReport, console: Console) -> None:
    console.print(Text(f"Probe ({COST_NOTE}):", style="bold"))
    width = max((len(r.name) for r in report.results), default=0)
    for r in report.results:
        latency = f"{r.latency_ms:>6} ms" if r.latency_ms is not None else " " * 9
        line = Text(f"  {MARK[r.status]} {r.name:<{width}}  {r.outcome:<11} {latency}", style=STYLE[r.status])
        if r.reason:
            line.append(f"  {r.reason}", style="")
        console.print(line)
    console.print(Text(report.summary_line(), style=STYLE[OK if report.ok else FAIL]))
