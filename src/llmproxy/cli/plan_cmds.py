"""``llmproxy plan`` and ``llmproxy sync``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from llmproxy.apply.report import OK, ApplyReport, Outcome
from llmproxy.cli.common import (
    ApiKeyFileOpt,
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
from llmproxy.errors import Aborted
from llmproxy.keys.delivery import DirectorySink, JsonSink, SecretSink
from llmproxy.kinds import only_help, parse_only
from llmproxy.litellm.connection import DEFAULT_TIMEOUT
from llmproxy.litellm.lease import DEFAULT_WAIT
from llmproxy.manager import ChecksumMismatch, Manager, SyncHooks, refuse_if_inapplicable
from llmproxy.plan.builder import PlanOptions
from llmproxy.plan.model import Action, Plan
from llmproxy.plan.render import render_json, render_markdown, render_text
from llmproxy.probe import ProbeReport, changed_names, run_probe
from llmproxy.probe.runner import DEFAULT_TIMEOUT as PROBE_TIMEOUT
from llmproxy.redaction import redactor


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class SyncFormat(str, Enum):
    text = "text"
    json = "json"


OnlyOpt = Annotated[list[str] | None, typer.Option(
    "--only", metavar="KINDS", help=f"Limit to kinds: {only_help()} (comma-separated, repeatable).",
    show_default=False)]
RepushOpt = Annotated[bool, typer.Option(
    "--repush", "--force", help="Re-push every selected managed object (e.g. after rotating a provider key).")]
AllowUnsafeOpt = Annotated[bool, typer.Option(
    "--allow-unsafe", help="Allow a plan over the safety thresholds (--max-delete-pct / --max-update-pct).")]
MaxDeleteOpt = Annotated[float | None, typer.Option(
    "--max-delete-pct", min=0.0, max=100.0, show_default=False, metavar="PCT",
    help="Refuse to delete or replace more than this % of a kind's managed objects "
         "[config: sync.max_delete_pct; default: 30].")]
MaxUpdateOpt = Annotated[float | None, typer.Option(
    "--max-update-pct", min=0.0, max=100.0, show_default=False, metavar="PCT",
    help="Refuse to update more than this % of a kind's managed objects "
         "[config: sync.max_update_pct; default: 30].")]
PruneOpt = Annotated[bool, typer.Option("--prune", help="Also delete managed objects no longer in the config.")]


def _show(plan: Plan, fmt: str) -> None:
    if fmt == "json":
        out.print(render_json(plan), markup=False, highlight=False, soft_wrap=True)
    elif fmt == "markdown":
        out.print(render_markdown(plan), markup=False, highlight=False, soft_wrap=True)
    else:
        render_text(plan, out)


def plan_cmd(
    only: OnlyOpt = None,
    prune: PruneOpt = False,
    force: RepushOpt = False,
    allow_unsafe: AllowUnsafeOpt = False,
    max_delete_pct: MaxDeleteOpt = None,
    max_update_pct: MaxUpdateOpt = None,
    output: Annotated[PlanFormat, typer.Option("--output", "-o", help="text, json or markdown.")] = PlanFormat.text,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 = no changes, 2 = changes pending, 1 = error.")] = False,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Show what sync would change. Read-only: never writes to LiteLLM. Takes sync's flags, so
    its checksum is the one `sync --checksum` with the same flags applies."""
    kinds = parse_only(only)
    manager = Manager.open(config=config, local=local, env_file=env_file, base_url=base_url,
                           api_key=api_key, timeout=timeout,
                           threshold_overrides={"max_delete_pct": max_delete_pct,
                                                "max_update_pct": max_update_pct})
    try:
        _, plan = manager.plan(PlanOptions(only=kinds, prune=prune, force=force, allow_unsafe=allow_unsafe))
    finally:
        manager.close()
    _show(plan, output.value)
    refuse_if_inapplicable(plan)
    if detailed_exitcode and plan.has_changes:
        raise typer.Exit(2)


def sync_cmd(
    only: OnlyOpt = None,
    prune: PruneOpt = False,
    force: RepushOpt = False,
    allow_unsafe: AllowUnsafeOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and stop "
                                          "(exit 0 = no changes, 2 = changes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting.")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64,
                                             help="Parallel writes.")] = 4,
    checksum: Annotated[str | None, typer.Option("--checksum", metavar="CHECKSUM", help="Apply only if the plan has "
                                                 "this checksum (from a reviewed `llmproxy plan`).")] = None,
    max_delete_pct: MaxDeleteOpt = None,
    max_update_pct: MaxUpdateOpt = None,
    output: Annotated[SyncFormat, typer.Option("--output", "-o", help="text or json.")] = SyncFormat.text,
    lock_wait: Annotated[float, typer.Option(
        "--lock-wait", min=0.0,
        help="Seconds to wait while another sync holds the gateway's lease, then refuse.")] = DEFAULT_WAIT,
    keys_out: Annotated[Path | None, typer.Option(
        "--keys-out", metavar="DIR", show_default=False,
        help="Write the secret of each key sync creates to DIR/<alias> (mode 0600), once. Without it a "
             "plan that creates keys is refused, unless --output json (secrets in the JSON).")] = None,
    probe: ProbeOpt = False, probe_model: ProbeModelOpt = None, probe_timeout: ProbeTimeoutOpt = PROBE_TIMEOUT,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Make LiteLLM match the config: plan, apply, verify; with --probe, then prove that every
    model group it created or changed answers a real request. The secret of a key it creates is
    delivered once: to --keys-out DIR, or in the JSON of --output json."""
    kinds = parse_only(only)
    explicit = probe_names(probe_model)
    probing = probe or bool(explicit)
    probed: ProbeReport | None = None
    as_json = output is SyncFormat.json
    seen = _Seen()

    def planned(plan: Plan) -> None:
        seen.plan = plan
        if not as_json:
            render_text(plan, out)

    hooks = SyncHooks(planned=planned, confirm=lambda plan: _confirm_deletions(plan, yes),
                      applying=lambda plan: _progress(plan, seen.outcomes))
    manager = Manager.open(config=config, local=local, env_file=env_file, base_url=base_url,
                           api_key=api_key, timeout=timeout,
                           threshold_overrides={"max_delete_pct": max_delete_pct,
                                                "max_update_pct": max_update_pct})
    sink = DirectorySink(keys_out) if keys_out is not None else JsonSink() if as_json else None
    manager.target.key_sink = sink
    try:
        result = manager.sync(PlanOptions(only=kinds, prune=prune, force=force, allow_unsafe=allow_unsafe),
                              checksum=checksum, dry_run=dry_run, concurrency=concurrency, hooks=hooks,
                              lease_wait=lock_wait)
        if result.report is None and not result.plan.has_changes and not dry_run:
            err.print("Nothing to do: no write requests made.")
            if probing:
                probed = run_probe(manager.client, explicit, timeout=probe_timeout)
        elif result.report is not None and probing:
            names = explicit or changed_names(result.plan, manager.desired)
            probed = run_probe(manager.client, names, timeout=probe_timeout)
    except ChecksumMismatch as exc:
        if as_json:
            _print_sync_json(exc.plan, None)
        raise
    except KeyboardInterrupt:
        _interrupted(seen)
        _delivered(sink, as_json=False)
        if isinstance(sink, JsonSink) and sink.secrets:  # minted before the interrupt: still delivered once
            sys.stdout.write(json.dumps({"interrupted": True, "keys": dict(sorted(sink.secrets.items()))}) + "\n")
        raise typer.Exit(130) from None
    finally:
        manager.close()
    plan, report = result.plan, result.report
    if report is None:
        if as_json:
            _print_sync_json(plan, None, probed, sink)
        _probe_outcome(probed, as_json, "nothing created or changed, nothing probed" if probing else "")
        if dry_run and plan.has_changes:
            raise typer.Exit(2)
        return
    if as_json:
        _print_sync_json(plan, report, probed, sink)
    else:
        render_report(report, out)
        _delivered(sink, as_json=False)
    _probe_outcome(probed, as_json, "nothing created or changed, nothing probed")
    if not report.ok:
        raise typer.Exit(1)


@dataclass
class _Seen:
    """What a sync got to before an interrupt: its plan and the outcomes reported so far."""

    plan: Plan | None = None
    outcomes: list[Outcome] = field(default_factory=list)


@contextmanager
def _progress(plan: Plan, outcomes: list[Outcome]) -> Iterator[Callable[[Outcome], None]]:
    with progress_reporter(len(plan.changes)) as reporter:
        def record(outcome: Outcome) -> None:
            outcomes.append(outcome)
            reporter.outcome(outcome)

        yield record


def _interrupted(seen: _Seen) -> None:
    """Ctrl-C during sync: say what was applied and what was not (stderr)."""
    if seen.plan is None:
        err.print("interrupted while planning: nothing was applied", markup=False)
        return
    outcomes = list(seen.outcomes)
    done = {id(o.change) for o in outcomes}
    applied = [o for o in outcomes if o.status == OK]
    other = [o for o in outcomes if o.status != OK]
    pending = [c for c in seen.plan.changes if id(c) not in done]
    err.print(f"interrupted: {len(applied)} of {len(seen.plan.changes)} change(s) applied, "
              f"{len(other)} failed or skipped, {len(pending)} not applied", markup=False)
    for o in applied:
        err.print(f"  applied      {o.change.action.value} {o.change.kind} {o.change.key}", markup=False)
    for o in other:
        err.print(f"  {o.status:<12} {o.change.action.value} {o.change.kind} {o.change.key}: {o.detail}",
                  markup=False)
    for c in pending:
        err.print(f"  not applied  {c.action.value} {c.kind} {c.key}", markup=False)
    if pending:
        err.print("  (a write in flight at the interrupt may or may not have landed: "
                  "run `llmproxy plan` to see what is left)", markup=False)


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


def _delivered(sink: SecretSink | None, as_json: bool) -> None:
    """Say where the minted secrets went (stderr; never the secrets)."""
    if isinstance(sink, DirectorySink) and sink.written and not as_json:
        err.print(f"Delivered the secret of {len(sink.written)} new key(s) to {sink.directory} (mode 0600): "
                  + ", ".join(sorted(sink.written)), markup=False, highlight=False)


def _print_sync_json(plan: Plan, report: ApplyReport | None, probed: ProbeReport | None = None,
                     sink: SecretSink | None = None) -> None:
    """``sync --output json``: one object with the plan and what was applied (null if nothing);
    with ``--probe`` also ``probe``; ``keys_out`` (alias -> file) or ``keys`` (alias -> the new
    secret: the one place it is ever printed) when keys were minted."""
    body: dict[str, Any] = {"plan": plan.to_json(), "applied": report.to_json() if report else None}
    if probed is not None:
        body["probe"] = probed.to_json()
    if isinstance(sink, DirectorySink):
        body["keys_out"] = {alias: str(path) for alias, path in sorted(sink.written.items())}
    if not isinstance(sink, JsonSink) or not sink.secrets:
        out.print(json.dumps(body, indent=2), markup=False)
        return
    # Everything else scrubbed as always; the new secrets added after, written to stdout directly.
    scrubbed = json.loads(redactor.scrub(json.dumps(body)))
    scrubbed["keys"] = dict(sorted(sink.secrets.items()))
    sys.stdout.write(json.dumps(scrubbed, indent=2) + "\n")
    sys.stdout.flush()


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
