"""Show a plan: coloured text for a terminal (rich), Markdown for a pull request, JSON for tools.
Secrets never appear: sensitive fields render as "(sensitive value changed)"."""

from __future__ import annotations

import json
from io import StringIO

from rich.console import Console
from rich.text import Text

from llmproxy.kinds import REGISTRY
from llmproxy.plan.model import Action, Change, Plan

STYLE = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.ADOPT: "cyan",
         Action.REPLACE: "magenta", Action.DELETE: "red"}


def _headline(c: Change) -> str:
    return f"{c.action.symbol} {c.action.value:<7} {c.key}"


def render_text(plan: Plan, console: Console) -> None:
    for k in REGISTRY:
        changes = plan.by_kind(k.name)
        pending = [c for c in plan.pending_prune if c.kind == k.name]
        if not changes and not pending:
            continue
        console.print(Text(k.title, style="bold"))
        for c in changes:
            console.print(Text("  " + _headline(c), style=STYLE[c.action]))
            if c.reason:
                console.print(Text(f"      # {c.reason}", style="dim"))
            if c.context:
                console.print(Text(f"      # {c.context}", style="dim"))
            for f in c.fields:
                console.print(Text(f"      {f.describe()}"))
        for c in pending:
            console.print(Text(f"  - would be pruned with --prune: {c.key}", style="dim"))
    _footer_text(plan, console)


def unsafe_label(plan: Plan) -> str:
    return "unsafe (allowed by --allow-unsafe)" if plan.unsafe_allowed else "unsafe (sync needs --allow-unsafe)"


def _footer_text(plan: Plan, console: Console) -> None:
    counts = _counts_line(plan)
    if counts:
        console.print(Text(counts, style="dim"))
    for note in plan.notes:
        console.print(Text(f"note: {note}", style="dim"))
    for repair in plan.ledger_repairs:
        console.print(Text(f"ledger repair: {repair}", style="yellow"))
    for msg in plan.conflicts:
        console.print(Text(f"conflict: {msg}", style="bold red"))
    for msg in plan.broken_refs:
        console.print(Text(f"broken reference: {msg}", style="bold red"))
    label = unsafe_label(plan)
    for unsafe in plan.unsafe:
        console.print(Text(f"{label}: {unsafe}", style="bold yellow"))
    console.print(Text(plan.summary_line(), style="bold"))
    console.print(Text(f"Plan checksum: {plan.checksum()}", style="dim"))


def _counts_line(plan: Plan) -> str:
    parts = []
    for k in REGISTRY:
        c = plan.counts.get(k.name)
        if c is None:
            continue
        others = {"foreign": c.foreign, "unmanaged": c.unmanaged, "read-only": c.read_only}
        shown = ", ".join(f"{n} {label}" for label, n in others.items() if n)
        if shown:
            parts.append(f"{k.name}: {shown}")
    return ("left alone (not ours): " + "; ".join(parts)) if parts else ""


def render_text_string(plan: Plan) -> str:
    buf = StringIO()
    render_text(plan, Console(file=buf, width=120, no_color=True, highlight=False))
    return buf.getvalue()


def render_markdown(plan: Plan) -> str:
    lines = ["### llmproxy plan", "", f"**{plan.summary_line()}**", ""]
    for k in REGISTRY:
        changes = plan.by_kind(k.name)
        pending = [c for c in plan.pending_prune if c.kind == k.name]
        if not changes and not pending:
            continue
        lines += [f"#### {k.title}", "", "```diff"]
        for c in changes:
            sign = {"create": "+", "delete": "-"}.get(c.action.value, "!")
            lines.append(f"{sign} {c.action.value} {c.key}")
            if c.reason:
                lines.append(f"#   {c.reason}")
            if c.context:
                lines.append(f"#   {c.context}")
            lines += [f"    {f.describe()}" for f in c.fields]
        lines += [f"# would be pruned with --prune: {c.key}" for c in pending]
        lines += ["```", ""]
    for title, items in (("Conflicts", plan.conflicts), ("Broken references", plan.broken_refs),
                         (unsafe_label(plan).capitalize(), plan.unsafe), ("Notes", plan.notes),
                         ("Ledger repairs", plan.ledger_repairs)):
        if items:
            lines += [f"**{title}**", ""] + [f"- {i}" for i in items] + [""]
    counts = _counts_line(plan)
    if counts:
        lines += [f"_{counts}_", ""]
    lines.append(f"Plan checksum: `{plan.checksum()}` — apply exactly this plan with "
                 f"`llmproxy sync --checksum {plan.checksum()}`")
    return "\n".join(lines) + "\n"


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str)
