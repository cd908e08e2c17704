#!/usr/bin/env python3
"""Convergence under faults (issue 14): ``llmproxy sync`` through the fault-injecting proxy
(default 10 % HTTP 500, 5 % connection resets, 2 % 429, latency 0-2 s on every request) into an
empty LiteLLM, N models, R runs. Each run allows at most 2 invocations; after each the real state
is checked without faults: exactly the desired deployments (no duplicates), ``plan
--detailed-exitcode`` exits 0. Before each run, objects made by hand (a model, a credential, an
alias, a fallback, all unmarked) are put in place; afterwards each must be exactly as it was
("unowned touched" counts those that changed or disappeared). Prints one line per run (exit code
of each invocation, wall time, duplicates, unowned touched) and a summary.

    .venv/bin/python bench/faults.py --models 100 --runs 5
    .venv/bin/python bench/faults.py --models 20 --runs 2 --latency-max 0.5     # quicker

The LiteLLM is the test harness's (tests/e2e/harness.py: free ports, this checkout's state dir).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from bench.configs import ENV, generate  # noqa: E402
from tests.e2e.harness import Harness, reset, start  # noqa: E402
from tests.faultproxy import FaultProxy, FaultRates  # noqa: E402


def cli(h: Harness, args: list[str], cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    env.update({"LITELLM_BASE_URL": url, "LITELLM_API_KEY": h.master_key, "CI": "true", **ENV})
    return subprocess.run([sys.executable, "-m", "llmproxy", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=3600)


def db_models(h: Harness) -> Counter[tuple[str, str]]:
    with h.client() as c:
        data = c.get("/v2/model/info", params={"size": 5000}).raise_for_status().json()["data"]
    return Counter((m["model_name"], m["litellm_params"]["model"]) for m in data if m["model_info"].get("db_model"))


HAND_MODEL = {"model_name": "handmade-model",
              "litellm_params": {"model": "openai/handmade", "api_base": "http://127.0.0.1:9",
                                 "mock_response": "by hand"},
              "model_info": {"id": "handmade-model-id"}}
HAND_CREDENTIAL = {"credential_name": "handmade-cred", "credential_values": {"api_key": "sk-by-hand-0000"},
                   "credential_info": {"note": "made by hand"}}
HAND_ALIAS = ("handmade-alias", "handmade-model")
HAND_FALLBACK = {"handmade-model": ["handmade-alias"]}


def put_unowned(h: Harness) -> None:
    """Objects llmproxy does not own, made the way an operator would by hand."""
    with h.client() as c:
        c.post("/model/new", json=HAND_MODEL).raise_for_status()
        c.post("/credentials", json=HAND_CREDENTIAL).raise_for_status()
        c.post("/config/update", json={"router_settings": {
            "model_group_alias": dict([HAND_ALIAS]), "fallbacks": [HAND_FALLBACK]}}).raise_for_status()


def unowned_touched(h: Harness) -> list[str]:
    """The hand-made objects that are not exactly as they were put."""
    touched = []
    with h.client() as c:
        data = c.get("/v2/model/info", params={"size": 5000}).raise_for_status().json()["data"]
        mine = [m for m in data if m["model_info"].get("id") == "handmade-model-id"]
        if len(mine) != 1 or mine[0]["model_name"] != "handmade-model" or any(
                mine[0]["litellm_params"].get(k) != v for k, v in HAND_MODEL["litellm_params"].items()) \
                or "llmproxy" in mine[0]["model_info"]:
            touched.append("model handmade-model")
        creds = {x["credential_name"]: x for x in c.get("/credentials").raise_for_status().json()["credentials"]}
        cred = creds.get("handmade-cred")
        if cred is None or (cred.get("credential_info") or {}) != HAND_CREDENTIAL["credential_info"]:
            touched.append("credential handmade-cred")
        router = c.get("/router/settings").raise_for_status().json()["current_values"]
        if (router.get("model_group_alias") or {}).get(HAND_ALIAS[0]) != HAND_ALIAS[1]:
            touched.append("alias handmade-alias")
        if HAND_FALLBACK not in (router.get("fallbacks") or []):
            touched.append("fallback handmade-model")
    return touched


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--error-500", type=float, default=0.10)
    ap.add_argument("--reset", type=float, default=0.05)
    ap.add_argument("--error-429", type=float, default=0.02)
    ap.add_argument("--latency-max", type=float, default=2.0)
    args = ap.parse_args()
    h = start()
    rates = FaultRates(error_500=args.error_500, reset=args.reset, error_429=args.error_429, retry_after=1,
                       latency=0.0, latency_max=args.latency_max)
    results = []
    for run in range(args.runs):
        reset(h)
        put_unowned(h)
        with tempfile.TemporaryDirectory() as tmp:
            cwd = Path(tmp)
            (cwd / "config.json").write_text(json.dumps(generate(args.models)))
            invocations, converged, started, exits = 0, False, time.monotonic(), []
            with FaultProxy(h.url, rates, seed=run) as fp:
                for _ in range(2):
                    invocations += 1
                    proc = cli(h, ["sync", "--yes"], cwd, fp.url)
                    exits.append(proc.returncode)
                    models = db_models(h)
                    dupes = sum(n - 1 for n in models.values() if n > 1)
                    clean = cli(h, ["plan", "--detailed-exitcode"], cwd, h.url).returncode == 0
                    if proc.returncode == 0 and clean and len(models) == args.models + 1 and not dupes:
                        converged = True
                        break
                faults = sum(fp.injected.values())
                repeated = len(fp.repeated_writes())
            touched = unowned_touched(h)
            converged = converged and not touched
            line = {"run": run + 1, "converged": converged, "invocations": invocations,
                    "exits": exits, "models": len(models) - 1, "duplicates": dupes,
                    "unowned_touched": touched, "faults": faults,
                    "requests": len(fp.exchanges), "repeated_writes": repeated,
                    "seconds": round(time.monotonic() - started, 1)}
            results.append(line)
            print(json.dumps(line), flush=True)
    ok = sum(r["converged"] for r in results)
    print(f"converged within 2 invocations: {ok}/{len(results)}; duplicates: "
          f"{sum(r['duplicates'] for r in results)}; unowned touched: "
          f"{sum(len(r['unowned_touched']) for r in results)}")
    return 0 if ok == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
