"""``llmproxy status``: every check in order; a failed check skips what depends on it.

Read-only: GETs only (``/health/readiness``, ``/health/readiness/details``, ``/key/info``,
``/user/info``, then the inventory the plan reads). Exit code: ``StatusReport.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from llmproxy.config import LoadedConfig, load_config
from llmproxy.config.layers import ConfigArg
from llmproxy.desired.model import DesiredState
from llmproxy.errors import AuthError, LLMProxyError
from llmproxy.export import read_router_sources
from llmproxy.kinds import REGISTRY
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.litellm.client import LiteLLMClient, RetryPolicy, open_client
from llmproxy.litellm.probe import readiness, version
from llmproxy.litellm.read import EXTRAS, read_live
from llmproxy.litellm.replicas import SAMPLES, SETTLE, Replicas, ReplicasUnreadable
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.probe import managed_names, run_probe
from llmproxy.status.probe import check_database, check_key, check_store_model_in_db
from llmproxy.status.report import DRIFT, FAIL, OK, SKIP, WARN, StatusReport

#: A status answers quickly: a few short retries, not sync's patience.
STATUS_RETRY = RetryPolicy(attempts=3, base_delay=0.25, max_delay=2.0, total=8.0)
PLAN_FIX = "review the changes with `llmproxy plan`, apply them with `llmproxy sync`"


def _probe_server(report: StatusReport, client: LiteLLMClient) -> LiveState | None:
    """Reachability, key, database, store_model_in_db; the live state if all of that allows."""
    try:
        ready = readiness(client)
    except LLMProxyError as exc:
        report.add("reachable", FAIL, exc.message, exc.hint or "check --base-url / LITELLM_BASE_URL")
        return None
    try:
        report.version = version(client)
    except AuthError:
        pass  # the key check below says it
    except LLMProxyError:
        report.version = None
    report.add("reachable", OK, f"LiteLLM {report.version or '(version not reported)'} answers")
    key_ok = check_key(report, client)
    db_ok = check_database(report, ready)
    if not (key_ok and db_ok):
        report.add("store_model_in_db", SKIP, "needs an admin key and a connected database")
        return None
    check_replicas(report, Replicas(client, notify=client.notify))
    try:
        live, sources = read_live(client, EXTRAS, access=True, keys=True), read_router_sources(client)  # every kind
    except LLMProxyError as exc:
        report.add("inventory", FAIL, exc.message, exc.hint or "")
        return None
    check_store_model_in_db(report, live, sources)
    return live


def check_replicas(report: StatusReport, replicas: Replicas) -> None:
    """The `replicas` check: OK when the reads agree, WARN when they do not or cannot be read."""
    try:
        disagreement = replicas.await_agreement(SETTLE)
    except ReplicasUnreadable as exc:  # the witness answers 5xx: unknown, not a failure of LiteLLM itself
        report.add("replicas", WARN, exc.message, exc.hint or "")
        return
    report.add("replicas", WARN if disagreement else OK,
               disagreement or f"{SAMPLES} reads of LiteLLM agree on the last sync (one process, or every "
                               "replica has reloaded it)",
               "wait for LiteLLM's reload (PROXY_CONFIG_RELOAD_INTERVAL_SECONDS), then run status again"
               if disagreement else "")


def _load(report: StatusReport, config: ConfigArg, local: Path | None, env_file: Path | None) -> LoadedConfig | None:
    try:
        loaded = load_config(config, local, env_file)
    except LLMProxyError as exc:
        report.add("config", FAIL, exc.message, exc.hint or "fix the config; `llmproxy validate` lists every problem")
        return None
    files = ", ".join(str(p) for p in loaded.files)
    report.add("config", OK, f"{files}: {loaded.desired.summary()} (owner {loaded.desired.owner})")
    return loaded


def _everything(desired: DesiredState) -> DesiredState:
    """Every kind present (omitted ones empty), so that counts cover all of LiteLLM."""
    return replace(desired, **{k.desired_field: k.section(desired) or k.empty for k in REGISTRY})


def _compare(report: StatusReport, desired: DesiredState, live: LiveState, fp: Fingerprinter,
             options: PlanOptions) -> None:
    report.counts = build_plan(_everything(desired), live, fp, PlanOptions(), capabilities=CAPABILITIES).counts
    plan = report.plan = build_plan(desired, live, fp, options, capabilities=CAPABILITIES)
    summary = plan.summary_line()
    if plan.refused:
        report.add("in sync", FAIL, f"{summary} The plan cannot be applied: "
                   + "; ".join(plan.conflicts + plan.broken_refs),
                   "fix the config (or the objects named), then run `llmproxy plan`")
    elif plan.has_changes:
        fix = PLAN_FIX + (" --allow-unsafe (the plan is over the safety threshold)" if plan.unsafe else "")
        report.add("in sync", DRIFT, f"{summary} (plan checksum {plan.checksum()})", fix)
    else:
        report.add("in sync", OK, summary)


@dataclass(frozen=True)
class ProbeRequest:
    """``status --probe``: which names (empty: every managed group and alias), how long each may take."""

    names: tuple[str, ...] = ()
    timeout: float = 30.0


def _probe(report: StatusReport, client: LiteLLMClient, desired: DesiredState | None, request: ProbeRequest) -> None:
    if not request.names and desired is None:
        report.add("data plane", SKIP, "needs a valid config (or names given with --probe-model)")
        return
    names = list(request.names) or managed_names(desired or DesiredState())
    probed = report.probe = run_probe(client, names, timeout=request.timeout)
    if probed.ok:
        report.add("data plane", OK, probed.summary_line())
    else:
        report.add("data plane", FAIL, f"{probed.summary_line()} Failing: {probed.failures_line()}",
                   "fix the provider credential, URL or model id named, then `llmproxy probe NAME`")


def run_status(*, config: ConfigArg, local: Path | None, env_file: Path | None, base_url: str | None,
               api_key: str | None, timeout: float, options: PlanOptions,
               probe: ProbeRequest | None = None) -> StatusReport:
    report = StatusReport()
    live: LiveState | None = None
    fp: Fingerprinter | None = None
    try:
        client, fp = open_client(base_url, api_key, env_file, timeout=timeout, retry=STATUS_RETRY)
    except LLMProxyError as exc:
        report.add("reachable", FAIL, exc.message, exc.hint or "")
    else:
        report.url = client.base_url
        with client:
            live = _probe_server(report, client)
    loaded = _load(report, config, local, env_file)
    if live is None or fp is None:
        report.add("in sync", SKIP, "needs a reachable LiteLLM, an admin key and a connected database")
    elif loaded is None:
        report.counts = build_plan(_everything(DesiredState()), live, fp, PlanOptions(),
                                   capabilities=CAPABILITIES).counts
        report.add("in sync", SKIP, "needs a valid config")
    else:
        _compare(report, loaded.desired, live, fp, options)
    if probe is not None and live is not None and report.url is not None:
        client, _ = open_client(base_url, api_key, env_file, timeout=timeout, retry=STATUS_RETRY)
        with client:
            _probe(report, client, loaded.desired if loaded else None, probe)
    elif probe is not None:
        report.add("data plane", SKIP, "needs a reachable LiteLLM, an admin key and a connected database")
    return report
