#!/usr/bin/env python3
"""Benchmark llmproxy against the real LiteLLM (issue 8): wall time and HTTP requests by kind.

For each N (deployments) it measures, against an empty proxy:

* raw   — the server's own limit: a bare concurrent httpx loop POSTing the same credential and
          ``/model/new`` payloads llmproxy sends, with the same concurrency, and nothing else;
* (a) initial ``sync`` into the empty proxy (plan, apply, verify);
* (b) a no-op ``plan``;  (c) a no-op ``sync``;
* (d) ``sync`` after changing one model;  (e) ``sync --prune --yes`` after removing 10 %.

llmproxy runs in-process exactly as ``llmproxy plan`` / ``llmproxy sync`` do (``load_config`` →
``Manager.plan`` → ``Applier.run``), so every request is counted by the client's own ``stats``
(every attempt counts). The no-op plan and sync are also timed as real CLI subprocesses, which
adds interpreter start-up and imports.

    .venv/bin/python bench/run.py                 # N = 100, 500, 1000; starts the harness, stops it at the end
    .venv/bin/python bench/run.py --sizes 100 --json /tmp/bench.json

The harness (tests/harness: LiteLLM without a config file, on a fresh database) runs on its own
port, state directory and Postgres port (defaults below, or --port / --state-dir / --pg-port) and
is stopped when the benchmark exits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

import httpx  # noqa: E402
from bench.configs import ENV, change_one, generate, remove_tenth  # noqa: E402
from tests.e2e.harness import Harness, reset  # noqa: E402
from tests.harness.run import harness_run  # noqa: E402

from llmproxy.apply.executor import Applier  # noqa: E402
from llmproxy.config import load_config  # noqa: E402
from llmproxy.desired.model import DesiredState, thaw  # noqa: E402
from llmproxy.litellm.api import LiteLLMApi  # noqa: E402
from llmproxy.litellm.client import LiteLLMClient  # noqa: E402
from llmproxy.live.marker import Fingerprinter  # noqa: E402
from llmproxy.manager import Manager  # noqa: E402
from llmproxy.plan.builder import PlanOptions  # noqa: E402

SCENARIOS = {
    "a": "initial sync (empty proxy)",
    "b": "no-op plan",
    "c": "no-op sync",
    "d": "sync, one model changed",
    "e": "sync --prune --yes, 10 % removed",
}


# -- harness ---------------------------------------------------------------------------------
def start_harness(args: argparse.Namespace) -> Harness:
    os.environ["LLMPROXY_E2E_DIR"] = args.state_dir
    os.environ["LLMPROXY_E2E_PG_PORT"] = str(args.pg_port)
    try:
        run = harness_run()
        env = run.proxy_env(run.fresh_database("litellm"), args.master_key)
        proc = run.start_litellm(args.port, env)
        url = f"http://127.0.0.1:{args.port}"
        run.wait_ready(url, proc, args.port)
    except RuntimeError as exc:
        sys.exit(f"the LiteLLM harness did not start: {exc}")
    env.update({"LITELLM_PORT": str(args.port), "LITELLM_PG_PORT": str(args.pg_port),
                "LLMPROXY_PG_BIN": str(run.cluster.bin)})
    return Harness(url=url, master_key=args.master_key, state_dir=run.state, env=env)


def litellm_version(h: Harness) -> str:
    proc = subprocess.run([str(h.state_dir / "venv" / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('litellm'))"],
                          capture_output=True, text=True, timeout=120)
    return proc.stdout.strip() or "?"


# -- measurements ----------------------------------------------------------------------------
_KINDS = [
    (re.compile(r"^/model/[^/]+/update$"), "/model/{id}/update"),
    (re.compile(r"^/credentials/by_name/.+$"), "/credentials/by_name/{name}"),
    (re.compile(r"^/credentials/(?!by_name/).+$"), "/credentials/{name}"),
]


def request_kind(endpoint: str) -> str:
    """``PATCH /model/llmproxy-1f…/update`` → ``PATCH /model/{id}/update``."""
    method, path = endpoint.split(" ", 1)
    for pattern, replacement in _KINDS:
        if pattern.match(path):
            return f"{method} {replacement}"
    return endpoint


@dataclass
class Result:
    n: int
    scenario: str
    seconds: float
    requests: dict[str, int]
    writes: int
    changes: dict[str, int] = field(default_factory=dict)
    ok: bool = True
    notes: list[str] = field(default_factory=list)
    cli_seconds: float | None = None

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def run_llmproxy(h: Harness, config: Path, *, apply: bool, prune: bool = False,
                 concurrency: int = 4) -> tuple[float, Counter[str], int, dict[str, int], list[str]]:
    """What ``llmproxy plan`` (apply=False) or ``llmproxy sync [--prune --yes]`` does, in-process."""
    started = time.perf_counter()
    loaded = load_config(config, None, None)
    client = LiteLLMClient(h.url, h.master_key)
    fingerprinter = Fingerprinter(h.master_key)
    manager = Manager(loaded.desired, LiteLLMApi(client, loaded.desired.owner, fingerprinter), fingerprinter)
    problems: list[str] = []
    try:
        live, plan = manager.plan(PlanOptions(prune=prune))
        if plan.refused or plan.unsafe:
            raise SystemExit(f"plan refused: {plan.conflicts + plan.broken_refs + [str(u) for u in plan.unsafe]}")
        if apply and plan.has_changes:
            report = Applier(manager.target, loaded.desired, live, plan, manager.fingerprinter,
                             concurrency=concurrency).run()
            problems = [f"{o.change.kind} {o.change.key}: {o.status} {o.detail}"
                        for o in report.outcomes if o.status != "ok"] + report.verify_errors
    finally:
        manager.close()
    seconds = time.perf_counter() - started
    changes = Counter(c.action.value for c in plan.changes)
    requests = Counter()
    for endpoint, count in client.stats.items():
        requests[request_kind(endpoint)] += count
    return seconds, requests, client.write_count, dict(changes), problems


def run_cli(h: Harness, config: Path, args: list[str]) -> float:
    """Wall time of the real ``llmproxy`` command (a fresh interpreter), which must exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    env.update(ENV)
    env.update({"LITELLM_BASE_URL": h.url, "LITELLM_API_KEY": h.master_key, "CI": "true", "NO_COLOR": "1"})
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "llmproxy", *args, "--config", str(config)],
                          env=env, cwd=config.parent, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"llmproxy {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return seconds


def raw_loop(h: Harness, desired: DesiredState, concurrency: int) -> tuple[float, int]:
    """POST the same credential and model bodies llmproxy sends, concurrently, nothing else."""
    writer = LiteLLMApi(None, desired.owner, Fingerprinter(h.master_key))  # type: ignore[arg-type]
    creds = [{"credential_name": c.name, "credential_values": thaw(c.values),
              "credential_info": writer._credential_info(c)} for c in desired.credentials or ()]
    models = [{"model_name": d.model_name, "litellm_params": thaw(d.litellm_params),
               "model_info": writer._model_info(d, d.content_id(desired.owner))}
              for d in desired.deployments or ()]
    with httpx.Client(base_url=h.url, timeout=60, headers={"Authorization": f"Bearer {h.master_key}"},
                      limits=httpx.Limits(max_connections=32, max_keepalive_connections=32)) as http:
        def post(path: str, body: dict[str, Any]) -> None:
            http.post(path, json=body).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda b: post("/credentials", b), creds))
            list(pool.map(lambda b: post("/model/new", b), models))
        return time.perf_counter() - started, len(creds) + len(models)


def live_model_count(h: Harness) -> int:
    with h.client() as c:
        return int(c.get("/v2/model/info", params={"page": 1, "size": 1}).raise_for_status()
                   .json().get("total_count", -1))


def write_config(workdir: Path, n: int) -> tuple[dict[str, Any], Path, DesiredState]:
    d = workdir / f"n{n}"
    d.mkdir(parents=True, exist_ok=True)
    cfg = generate(n)
    config = d / "config.json"
    config.write_text(json.dumps(cfg, indent=1))
    return cfg, config, load_config(config, None, None).desired


def warm_up(h: Harness, workdir: Path, concurrency: int) -> None:
    """A freshly started proxy answers its first requests slowly: write and remove a few models
    (and run llmproxy once) before anything is timed."""
    reset(h)
    _, config, desired = write_config(workdir, 24)
    raw_loop(h, desired, concurrency)
    reset(h)
    run_llmproxy(h, config, apply=True, concurrency=concurrency)
    reset(h)


def bench_size(h: Harness, n: int, workdir: Path, concurrency: int, repeat: int) -> list[Result]:
    out: list[Result] = []
    cfg, config, desired = write_config(workdir, n)
    assert len(desired.deployments or ()) == n

    def raw(when: str) -> None:
        reset(h)
        raw_seconds, raw_requests = raw_loop(h, desired, concurrency)
        out.append(Result(n, "raw", raw_seconds, {"POST /credentials": len(desired.credentials or ()),
                                                    "POST /model/new": n}, raw_requests, notes=[when]))
        print(f"   raw loop ({when}): {raw_requests} POSTs in {raw_seconds:.2f} s", flush=True)
        reset(h)

    print(f"\n== N={n}", flush=True)
    # The raw loop runs before and after llmproxy's scenarios: the server slows down as its
    # database ages, and the mean of both cancels that drift out of the ratio.
    raw("before")

    def record(key: str, *, apply: bool, prune: bool = False, expect_writes: int | None = None,
               cli: list[str] | None = None) -> Result:
        runs = []
        for _ in range(repeat if not apply or key == "c" else 1):
            runs.append(run_llmproxy(h, config, apply=apply, prune=prune, concurrency=concurrency))
        seconds = statistics.median(r[0] for r in runs)
        _, requests, writes, changes, problems = runs[-1]
        res = Result(n, key, seconds, dict(sorted(requests.items())), writes, changes, not problems, problems)
        if expect_writes is not None and writes != expect_writes:
            res.ok = False
            res.notes.append(f"expected {expect_writes} writes")
        if cli:
            res.cli_seconds = statistics.median(run_cli(h, config, cli) for _ in range(repeat))
        print(f"   ({key}) {SCENARIOS[key]}: {seconds:.2f} s, {res.total_requests} requests, "
              f"{writes} writes{f' (CLI {res.cli_seconds:.2f} s)' if res.cli_seconds else ''}"
              f"{'' if res.ok else ' PROBLEMS: ' + '; '.join(res.notes)}", flush=True)
        out.append(res)
        return res

    record("a", apply=True)
    if live_model_count(h) != n:
        raise SystemExit(f"after the initial sync LiteLLM holds {live_model_count(h)} models, not {n}")
    record("b", apply=False, expect_writes=0, cli=["plan", "--detailed-exitcode"])
    record("c", apply=True, expect_writes=0, cli=["sync"])
    config.write_text(json.dumps(change_one(cfg), indent=1))
    record("d", apply=True, expect_writes=1)
    pruned, removed = remove_tenth(change_one(cfg))
    config.write_text(json.dumps(pruned, indent=1))
    record("e", apply=True, prune=True, expect_writes=removed)
    if live_model_count(h) != n - removed:
        raise SystemExit(f"after the prune LiteLLM holds {live_model_count(h)} models, not {n - removed}")
    raw("after")
    return out


# -- report ----------------------------------------------------------------------------------
def _requests_cell(requests: dict[str, int]) -> str:
    return ", ".join(f"{k} ×{v}" for k, v in requests.items()) or "—"


def markdown(results: list[Result], concurrency: int) -> str:
    lines = ["| N | scenario | wall time | CLI wall time | requests | requests by kind | writes |",
             "|---:|---|---:|---:|---:|---|---:|"]
    raw: dict[int, list[float]] = {}
    for r in results:
        if r.scenario == "raw":
            raw.setdefault(r.n, []).append(r.seconds)
            name = f"raw httpx loop, concurrency {concurrency} ({r.notes[0]})"
        else:
            name = f"({r.scenario}) {SCENARIOS[r.scenario]}"
        cli = f"{r.cli_seconds:.2f} s" if r.cli_seconds is not None else ""
        flag = "" if r.ok else " ⚠ " + "; ".join(r.notes)[:200]
        lines.append(f"| {r.n} | {name}{flag} | {r.seconds:.2f} s | {cli} | {r.total_requests} | "
                     f"{_requests_cell(r.requests)} | {r.writes} |")
    lines += ["", "| N | raw loop (before / after → mean) | initial sync | ratio (target ≤ 1.5) "
              "| no-op plan (target < 3 s) |", "|---:|---:|---:|---:|---:|"]
    for n, runs in raw.items():
        base = statistics.mean(runs)
        a = next(r for r in results if r.n == n and r.scenario == "a")
        b = next(r for r in results if r.n == n and r.scenario == "b")
        cli = f" (CLI {b.cli_seconds:.2f} s)" if b.cli_seconds is not None else ""
        each = " / ".join(f"{x:.1f}" for x in runs)
        lines.append(f"| {n} | {each} → {base:.1f} s | {a.seconds:.1f} s | {a.seconds / base:.2f} "
                     f"| {b.seconds:.2f} s{cli} |")
    return "\n".join(lines)


def machine(h: Harness) -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "litellm": litellm_version(h)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sizes", default="100,500,1000", help="comma-separated N (default 100,500,1000)")
    p.add_argument("--concurrency", type=int, default=4, help="sync --concurrency and raw-loop workers")
    p.add_argument("--repeat", type=int, default=3, help="runs of each read-only scenario (median)")
    p.add_argument("--port", type=int, default=4500)
    p.add_argument("--state-dir", default="/tmp/llmproxy-bench")
    p.add_argument("--pg-port", type=int, default=56132)
    p.add_argument("--master-key", default="sk-bench-master")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    args = p.parse_args()
    os.environ.update(ENV)
    os.environ.pop("LLMPROXY_FINGERPRINT_KEY", None)

    h = start_harness(args)
    info = machine(h)
    print(f"machine: {info}", flush=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="llmproxy-bench-") as tmp:
        warm_up(h, Path(tmp), args.concurrency)
        for n in (int(x) for x in args.sizes.split(",")):
            results += bench_size(h, n, Path(tmp), args.concurrency, args.repeat)
    reset(h)
    table = markdown(results, args.concurrency)
    print("\n" + table)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "concurrency": args.concurrency,
                                         "results": [asdict(r) for r in results]}, indent=2))
    if not all(r.ok for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
