"""Progress while applying: a rich progress bar for a person at a terminal, plain lines in CI
(``CI=true``) or without a TTY; and the final report."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from llmproxy.apply.report import FAILED, NOT_ATTEMPTED, OK, SKIPPED, ApplyReport, Outcome
from llmproxy.cli.common import err, interactive

MARK = {OK: "✓", FAILED: "✗", SKIPPED: "○"}


class _Plain:
    def __init__(self, console: Console) -> None:
        self.console = console

    def __enter__(self) -> _Plain:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def outcome(self, o: Outcome) -> None:
        line = f"{MARK[o.status]} {o.change.action.value} {o.change.kind} {o.change.key}"
        if o.detail:
            line += f": {o.detail}"
        self.console.print(Text(line), soft_wrap=True)


class _Bar(_Plain):
    def __init__(self, console: Console, total: int) -> None:
        super().__init__(console)
        self.progress = Progress(TextColumn("applying"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=True)
        self.task = self.progress.add_task("apply", total=total)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.stop()

    def outcome(self, o: Outcome) -> None:
        self.progress.advance(self.task)
        if o.status != OK:  # failures are worth a line even with a bar
            self.progress.console.print(Text(f"{MARK[o.status]} {o.change.kind} {o.change.key}: {o.detail}"))


def progress_reporter(total: int) -> _Plain:
    if interactive() and total > 5:
        return _Bar(err, total)
    return _Plain(err)


def render_report(report: ApplyReport, console: Console) -> None:
    failed = report.with_status(FAILED)
    skipped = [o for o in report.with_status(SKIPPED) if o.detail != NOT_ATTEMPTED]  # in the stop line
    if failed:
        console.print(Text("Failed:", style="bold red"))
        for o in failed:
            console.print(Text(f"  ✗ {o.change.action.value} {o.change.kind} {o.change.key}: {o.detail}"))
    if skipped:
        console.print(Text("Skipped:", style="bold yellow"))
        for o in skipped:
            console.print(Text(f"  ○ {o.change.action.value} {o.change.kind} {o.change.key}: {o.detail}"))
    if report.stopped:
        console.print(Text(report.stopped, style="bold red"))
    for msg in report.verify_errors:
        console.print(Text(f"verify: {msg}", style="bold red"))
    for msg in report.warnings:
        console.print(Text(f"warning: {msg}", style="bold yellow"))
    console.print(Text(report.summary_line(), style="bold green" if report.ok else "bold red"))
