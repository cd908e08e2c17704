"""What ``llmproxy status`` found, and how it is shown (text for people, JSON for tools)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.text import Text

from llmproxy.kinds import KINDS
from llmproxy.plan.model import KindCounts, Plan
from llmproxy.probe.report import ProbeReport, render_probe_text

OK, WARN, FAIL, SKIP, DRIFT = "ok", "warn", "fail", "skipped", "drift"
MARK = {OK: "✓", WARN: "!", FAIL: "✗", SKIP: "-", DRIFT: "~"}
STYLE = {OK: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim", DRIFT: "yellow"}
COLUMNS = ("managed", "adoptable", "foreign", "unmanaged", "read_only")


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "status": self.status, "detail": self.detail}
        if self.fix:
            out["fix"] = self.fix
        return out


@dataclass
class StatusReport:
    url: str | None = None
    version: str | None = None
    checks: list[Check] = field(default_factory=list)
    counts: Mapping[str, KindCounts] = field(default_factory=dict)
    plan: Plan | None = None
    probe: ProbeReport | None = None

    def add(self, name: str, status: str, detail: str, fix: str = "") -> Check:
        check = Check(name, status, detail, fix)
        self.checks.append(check)
        return check

    @property
    def failed(self) -> bool:
        return any(c.status == FAIL for c in self.checks)

    @property
    def drifting(self) -> bool:
        return any(c.status == DRIFT for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 healthy and in sync, 2 drifting, 1 a check failed."""
        return 1 if self.failed else 2 if self.drifting else 0

    def verdict(self) -> str:
        failed = {c.name for c in self.checks if c.status == FAIL}
        if failed == {"data plane"}:
            return "Not serving: LiteLLM is healthy, but probed model groups fail (see above)."
        if self.failed:
            return "Not ready: a check failed (see fix above)."
        if self.drifting:
            return "Healthy, but LiteLLM does not match the config."
        return "Healthy and in sync."

    def to_json(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "url": self.url,
            "litellm_version": self.version,
            "checks": [c.to_json() for c in self.checks],
            "counts": {k: self.counts[k].to_json() for k in KINDS if k in self.counts},
            "plan": None if plan is None else {"summary": plan.summary_line(), "checksum": plan.checksum(),
                                               "has_changes": plan.has_changes, "refused": plan.refused},
            "healthy": not self.failed,
            "in_sync": None if plan is None else not plan.has_changes and not plan.refused,
            "verdict": self.verdict(),
            "exit_code": self.exit_code,
            **({"probe": self.probe.to_json()} if self.probe is not None else {}),
        }


def render_json(report: StatusReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def render_text(report: StatusReport, console: Console) -> None:
    where = report.url or "(no URL)"
    version = f" (LiteLLM {report.version})" if report.version else ""
    console.print(Text(f"LiteLLM at {where}{version}", style="bold"))
    width = max((len(c.name) for c in report.checks), default=0)
    for check in report.checks:
        line = Text(f"  {MARK[check.status]} {check.name:<{width}}  ", style=STYLE[check.status])
        line.append(check.detail, style="")
        console.print(line)
        if check.fix:
            console.print(Text(f"    {'':<{width}}  fix: {check.fix}", style="cyan"))
    if report.counts:
        console.print()
        console.print(Text(f"  {'objects':<16}" + "".join(f"{c.replace('_', '-'):>11}" for c in COLUMNS),
                           style="bold"))
        for kind in KINDS:
            counts = report.counts.get(kind)
            if counts is not None:
                console.print(Text(f"  {kind:<16}" + "".join(f"{getattr(counts, c):>11}" for c in COLUMNS)))
    if report.probe is not None and report.probe.results:
        console.print()
        render_probe_text(report.probe, console)
    console.print()
    console.print(Text(report.verdict(), style=STYLE[FAIL if report.failed else DRIFT if report.drifting else OK]))
