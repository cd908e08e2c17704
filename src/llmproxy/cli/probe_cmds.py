"""``llmproxy probe [NAMES]`` and the ``--probe`` options shared with ``sync`` and ``status``."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from llmproxy.cli.common import (
    ApiKeyFileOpt,
    ApiKeyOpt,
    BaseUrlOpt,
    ConfigOpt,
    EnvFileOpt,
    LocalOpt,
    TimeoutOpt,
    out,
)
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.connection import resolve_connection
from llmproxy.probe import ProbeReport, managed_names, render_probe_text, run_probe
from llmproxy.probe.report import COST_NOTE
from llmproxy.probe.runner import DEFAULT_TIMEOUT

ProbeOpt = Annotated[bool, typer.Option(
    "--probe", help=f"Then send one 1-token chat request through the gateway per model group ({COST_NOTE}); "
    "exit 1 if one fails.")]
ProbeModelOpt = Annotated[list[str] | None, typer.Option(
    "--probe-model", help="Probe exactly these names (comma-separated, repeatable; implies --probe).",
    show_default=False)]
ProbeTimeoutOpt = Annotated[float, typer.Option(
    "--probe-timeout", help="Seconds LiteLLM may take for one probe request.", min=1.0)]


def probe_names(values: list[str] | None) -> list[str]:
    """``--probe-model a,b --probe-model c`` → ``[a, b, c]``."""
    return list(dict.fromkeys(p.strip() for v in values or [] for p in v.split(",") if p.strip()))


def show_probe(report: ProbeReport) -> None:
    """The per-name lines and the summary."""
    render_probe_text(report, out)


class ProbeFormat(str, Enum):
    text = "text"
    json = "json"


def probe_cmd(
    names: Annotated[list[str] | None, typer.Argument(
        help="Model groups or aliases to probe [default: every model group and alias of the config].",
        show_default=False)] = None,
    output: Annotated[ProbeFormat, typer.Option("--output", "-o", help="text or json.")] = ProbeFormat.text,
    probe_timeout: ProbeTimeoutOpt = DEFAULT_TIMEOUT,
    config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None, api_key_file: ApiKeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
) -> None:
    """Prove the gateway serves: one 1-token chat request per name through LiteLLM (it costs
    tokens), with fallbacks off. Reports OK or LiteLLM's status and reason, and the latency, per
    name. Exit 0 all answered, 1 one failed."""
    targets = probe_names(names)
    if not targets:
        from llmproxy.config import load_config

        targets = managed_names(load_config(config, local, env_file).desired)
    conn = resolve_connection(base_url, api_key, env_file)
    with LiteLLMClient(conn.base_url, conn.api_key, timeout=timeout) as client:
        report = run_probe(client, targets, timeout=probe_timeout)
    if output is ProbeFormat.json:
        out.print(json.dumps(report.to_json(), indent=2, ensure_ascii=False), markup=False, highlight=False,
                  soft_wrap=True)
    else:
        render_probe_text(report, out)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("probe")(probe_cmd)
