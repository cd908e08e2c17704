"""``llmproxy status``: one screen that says whether you can sync and whether anything drifts."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from llmproxy.cli.common import ApiKeyFileOpt, ApiKeyOpt, BaseUrlOpt, ConfigOpt, EnvFileOpt, LocalOpt, TimeoutOpt, out
from llmproxy.cli.plan_cmds import OnlyOpt
from llmproxy.cli.probe_cmds import ProbeModelOpt, ProbeOpt, ProbeTimeoutOpt, probe_names
from llmproxy.kinds import parse_only
from llmproxy.litellm.connection import DEFAULT_TIMEOUT
from llmproxy.plan.builder import PlanOptions
from llmproxy.probe.runner import DEFAULT_TIMEOUT as PROBE_TIMEOUT
from llmproxy.status import render_json, render_text, run_status
from llmproxy.status.service import ProbeRequest

StatusPruneOpt = Annotated[bool, typer.Option(
    "--prune", help="Count managed objects no longer in the config as drift, as `sync --prune` would "
                    "remove them (status itself never changes anything).")]


class StatusFormat(str, Enum):
    text = "text"
    json = "json"


def status_cmd(
    output: Annotated[StatusFormat, typer.Option("--output", "-o", help="text or json.")] = StatusFormat.text,
    only: OnlyOpt = None,
    prune: StatusPruneOpt = False,
    probe: ProbeOpt = False, probe_model: ProbeModelOpt = None, probe_timeout: ProbeTimeoutOpt = PROBE_TIMEOUT,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Can I sync, and is anything drifting? LiteLLM's URL and version, admin key, database,
    store_model_in_db, object counts, and the plan's summary. Read-only (with --probe it also sends
    one real request per model group and alias). Exit 0 healthy and in sync, 2 drifting, 1 a check
    (or a probed name) failed."""
    options = PlanOptions(only=parse_only(only), prune=prune)
    explicit = probe_names(probe_model)
    request = ProbeRequest(tuple(explicit), probe_timeout) if probe or explicit else None
    report = run_status(config=config, local=local, env_file=env_file, base_url=base_url, api_key=api_key,
                        timeout=timeout, options=options, probe=request)
    if output is StatusFormat.json:
        out.print(render_json(report), markup=False, highlight=False, soft_wrap=True)
    else:
        render_text(report, out)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
