"""``llmproxy plan`` and ``llmproxy sync``."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from llmproxy.apply.executor import Applier
from llmproxy.apply.report import ApplyReport
from llmproxy.cli.common import (
    ApiKeyOpt,
    BaseUrlOpt,
    ConfigOpt,
    EnvFileOpt,
    LocalOpt,
    TimeoutOpt,
    err,
    interactive,
    out,
)
from llmproxy.cli.probe_cmds import ProbeModelOpt, ProbeOpt, ProbeTimeoutOpt, probe_names, show_probe
from llmproxy.cli.progress import progress_reporter, render_report
from llmproxy.errors import Aborted, PlanRefused
from llmproxy.manager import Manager, parse_only
from llmproxy.plan.builder import PlanOptions
from llmproxy.plan.model import Action, Plan
from llmproxy.plan.render import render_json, render_markdown, render_text
from llmproxy.probe import ProbeReport, changed_names, run_probe
from llmproxy.probe.runner import DEFAULT_TIMEOUT


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class SyncFormat(str, Enum):
    text = "text"
    json = "json"


OnlyOpt = Annotated[list[str] | None, typer.Option(
    "--only", help="Limit to kinds: credentials,models,aliases,fallbacks,router_settings "
    "(comma-separated, repeatable).", show_default=False)]
PruneOpt = Annotated[bool, typer.Option("--prune", help="Also delete managed objects no longer in the config.")]


def _show(plan: Plan, fmt: str) -> None:
    if fmt == "json":
        out.print(render_json(plan), markup=False, highlight=False, soft_wrap=True)
    elif fmt == "markdown":
        out.print(render_markdown(plan), markup=False, highlight=False, soft_wrap=True)
    else:
        render_text(plan, out)


def _refusal(plan: Plan) -> None:
    if plan.refused:
        raise PlanRefused("the plan cannot be applied: " + "; ".join(plan.conflicts + plan.broken_refs),
                          hint="fix the config (or the objects named) and run plan again")


def plan_cmd(
    only: OnlyOpt = None,
    prune: PruneOpt = False,
    output: Annotated[PlanFormat, typer.Option("--output", "-o", help="text, json or markdown.")] = PlanFormat.text,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 = no changes, 2 = changes pending, 1 = error.")] = False,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None, timeout: TimeoutOpt = 30.0,
) -> None:
    """Show what sync would change. Read-only: never writes to LiteLLM."""
    kinds = parse_only(only)
    manager = Manager.open(config=config, local=local, env_file=env_file, base_url=base_url,
                           api_key=api_key, timeout=timeout)
    try:
        _, plan = manager.plan(PlanOptions(only=kinds, prune=prune))
    finally:
        manager.close()
    _show(plan, output.value)
    _refusal(plan)
    if detailed_exitcode and plan.has_changes:
        raise typer.Exit(2)


def sync_cmd(
    only: OnlyOpt = None,
    prune: PruneOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Re-push every selected managed object, and "
                                        "allow plans over the safety threshold.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and stop "
                                          "(exit 0 = no changes, 2 = changes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting.")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64,
                                             help="Parallel writes.")] = 4,
    checksum: Annotated[str | None, typer.Option("--checksum", help="Apply only if the plan has "
                                                 "this checksum (from a reviewed `llmproxy plan`).")] = None,
    output: Annotated[SyncFormat, typer.Option("--output", "-o", help="text or json.")] = SyncFormat.text,
    probe: ProbeOpt = False, probe_model: ProbeModelOpt = None, probe_timeout: ProbeTimeoutOpt = DEFAULT_TIMEOUT,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None, timeout: TimeoutOpt = 30.0,
) -> None:
    """Make LiteLLM match the config: plan, apply, verify; with --probe, then prove that every
    model group it created or changed answers a real request."""
    kinds = parse_only(only)
    explicit = probe_names(probe_model)
    probing = probe or bool(explicit)
    probed: ProbeReport | None = None
    manager = Manager.open(config=config, local=local, env_file=env_file, base_url=base_url,
                           api_key=api_key, timeout=timeout)
    try:
        live, plan = manager.plan(PlanOptions(only=kinds, prune=prune, force=force))
        as_json = output is SyncFormat.json
        if not as_json:
            render_text(plan, out)
        _refusal(plan)
        if checksum and checksum != plan.checksum():
            if as_json:
                _print_sync_json(plan, None)
            raise PlanRefused(
                f"the plan's checksum is {plan.checksum()}, not the reviewed {checksum}: the gateway or "
                "the config changed since that plan was made (the plan above is the current one)",
                hint="review the new plan and run sync with its checksum")
        if dry_run or not plan.has_changes:
            if not plan.has_changes and not dry_run:
                err.print("Nothing to do: no write requests made.")
                if probing:
                    probed = run_probe(manager.client, explicit, timeout=probe_timeout)
            if as_json:
                _print_sync_json(plan, None, probed)
            _probe_outcome(probed, as_json, "nothing created or changed, nothing probed" if probing else "")
            if dry_run and plan.has_changes:
                raise typer.Exit(2)
            return
        if plan.unsafe and not force:
            raise PlanRefused("the plan is over the safety threshold: " + "; ".join(plan.unsafe),
                              hint="re-run with --force if that is intended")
        _confirm_deletions(plan, yes)
        reporter = progress_reporter(len(plan.changes))
        with reporter:
            report = Applier(manager.client, manager.desired, live, plan, manager.fingerprinter,
                             concurrency=concurrency, on_outcome=reporter.outcome).run()
        if probing:
            names = explicit or changed_names(plan, manager.desired)
            probed = run_probe(manager.client, names, timeout=probe_timeout)
    finally:
        manager.close()
    if as_json:
        _print_sync_json(plan, report, probed)
    else:
        render_report(report, out)
    _probe_outcome(probed, as_json, "nothing created or changed, nothing probed")
    if not report.ok:
        raise typer.Exit(1)


def _probe_outcome(probed: ProbeReport | None, as_json: bool, empty: str) -> None:
    """Show the probe (text on stderr; JSON is in the sync object) and fail when a name failed."""
    if probed is None:
        return
    if not as_json:
        if probed.results:
            show_probe(probed)
        elif empty:
            err.print(f"Probe: {empty}.")
    if not probed.ok:
        err.print(f"error: probe failed for {len(probed.failed)} name(s): {probed.failures_line()}",
                  markup=False, highlight=False)
        raise typer.Exit(1)


def _print_sync_json(plan: Plan, report: ApplyReport | None, probed: ProbeReport | None = None) -> None:
    """``sync --output json``: one object with the plan and what was applied (null if nothing);
    with ``--probe`` also ``probe``."""
    body = {"plan": plan.to_json(), "applied": report.to_json() if report else None}
    if probed is not None:
        body["probe"] = probed.to_json()
    out.print(json.dumps(body, indent=2), markup=False)


def _confirm_deletions(plan: Plan, yes: bool) -> None:
    deletions = [c for c in plan.changes if c.action is Action.DELETE]
    if not deletions or yes:
        return
    if not interactive():
        raise Aborted(f"the plan deletes {len(deletions)} object(s); non-interactive runs need --yes to delete",
                      hint="review the plan, then re-run with --yes")
    if not typer.confirm(f"Delete {len(deletions)} object(s) listed above?", default=False, err=True):
        raise Aborted("nothing applied: deletion not confirmed")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_cmd)
    app.command("sync")(sync_cmd)
