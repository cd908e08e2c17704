"""The GitHub Actions workflow of docs/ci.md, run against the real LiteLLM as CI would run it.

The workflow is read from the document itself: every ``run:`` step of a job (except installing
llmproxy, which the test environment already has) is executed with bash as GitHub runs it
(``bash --noprofile --norc -eo pipefail``), with the workflow's ``env`` (secrets filled in),
``CI=true``, ``GITHUB_ACTIONS=true``, ``GITHUB_OUTPUT`` and no terminal. ``uses:`` steps
(checkout, setup-python, posting the comment) are GitHub's own and are skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.cli import live_models, llmproxy
from tests.e2e.configs import PROVIDER_KEY, base_config, variant
from tests.e2e.harness import REPO, Harness
from tests.e2e.test_plan import dump_tables

DOC = REPO / "docs" / "ci.md"
_EXPR = re.compile(r"\$\{\{\s*([a-z_]+)\.([A-Za-z_.]+)\s*\}\}")
_NOISE = ("\x1b[", "━", "Delete ", "[y/N]")  # colour codes, a progress bar, a prompt


def workflow() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.S)
    docs = [yaml.safe_load(b) for b in blocks]
    [wf] = [d for d in docs if isinstance(d, dict) and "jobs" in d]
    return wf


@dataclass
class StepRun:
    name: str
    script: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class JobRun:
    steps: list[StepRun]
    outputs: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(s.returncode == 0 for s in self.steps)

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)


def _fill(value: str, context: dict[str, dict[str, str]]) -> str:
    def one(m: re.Match[str]) -> str:
        scope, name = m.groups()
        assert name in context.get(scope, {}), f"docs/ci.md uses ${{{{ {scope}.{name} }}}}: give the test a value"
        return context[scope][name]

    return _EXPR.sub(one, value)


def run_job(h: Harness, job: str, repo: Path, inputs: dict[str, str] | None = None) -> JobRun:
    wf = workflow()
    context = {
        "secrets": {"LITELLM_API_KEY": h.master_key, "ANTIGRAVITY_MANAGER_API_KEY": PROVIDER_KEY},
        "vars": {"LITELLM_BASE_URL": h.url},
        "inputs": {"checksum": "", **(inputs or {})},
        "github": {"actor": "ci-test"},
    }
    output_file = repo / ".github_output"
    output_file.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_", "NO_COLOR", "COLUMNS"))}
    env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output_file),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    env.update({k: _fill(str(v), context) for k, v in (wf.get("env") or {}).items()})
    env.update({k: _fill(str(v), context) for k, v in (wf["jobs"][job].get("env") or {}).items()})
    steps: list[StepRun] = []
    for step in wf["jobs"][job]["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        step_env = {**env, **{k: _fill(str(v), context) for k, v in (step.get("env") or {}).items()}}
        script = _fill(step["run"], context)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo,
                              env=step_env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        steps.append(StepRun(step.get("name", ""), script, proc.returncode, proc.stdout, proc.stderr))
        for text in (proc.stdout, proc.stderr):
            assert not any(n in text for n in _NOISE), f"{step.get('name')}: not plain output:\n{text}"
            assert PROVIDER_KEY not in text and h.master_key not in text
        if proc.returncode != 0:
            break  # GitHub skips the remaining steps of a failed job
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return JobRun(steps, outputs)


def gateway_repo(path: Path, cfg: dict[str, Any] | None = None) -> Path:
    """A repository as docs/ci.md expects it: config.json, and an overlay with references only."""
    path.mkdir(parents=True, exist_ok=True)
    cfg = variant(cfg or base_config())
    for provider in cfg["providers"].values():
        provider.pop("api_key")
    (path / "config.json").write_text(json.dumps(cfg, indent=2))
    (path / "config.local.example.json").write_text(json.dumps({"providers": {
        name: {"api_key": "${ANTIGRAVITY_MANAGER_API_KEY}"} for name in cfg["providers"]}}, indent=2))
    return path


def checksum_of(plan_md: str) -> str:
    match = re.search(r"Plan checksum: `([0-9a-f]+)`", plan_md)
    assert match, plan_md
    return match.group(1)


def test_workflow_commands_are_the_documented_ones() -> None:
    jobs = workflow()["jobs"]
    runs = {job: " ".join(s.get("run", "") for s in spec["steps"]) for job, spec in jobs.items()}
    assert "llmproxy plan --output markdown --detailed-exitcode" in runs["plan"]
    assert "llmproxy sync --yes" in runs["sync"] and "llmproxy status" in runs["sync"]
    assert "llmproxy status" in runs["drift"]
    assert all("secrets." in str(v) or "vars." in str(v) or "github." in str(v)
               for v in workflow()["env"].values())


def test_pull_request_plan_then_merge_sync(litellm: Harness, tmp_path: Path) -> None:
    repo = gateway_repo(tmp_path / "repo")

    pr = run_job(litellm, "plan", repo)
    assert pr.ok, [(s.name, s.stderr) for s in pr.steps]
    assert pr.outputs["exitcode"] == "2"
    plan_md = (repo / "plan.md").read_text()
    assert plan_md.startswith("### llmproxy plan") and "Plan: 10 to create, 1 to update, 0 to delete." in plan_md
    checksum_of(plan_md)
    assert not [m for m in live_models(litellm) if m["model_info"]["db_model"]]  # the PR wrote nothing

    merge = run_job(litellm, "sync", repo)
    assert merge.ok, [(s.name, s.stdout, s.stderr) for s in merge.steps]
    sync = merge.step("Sync")
    assert "✓ create models openai/gpt-a" in sync.stderr  # one plain line per change
    assert "Applied: 10 created, 1 updated, 0 deleted" in sync.stdout
    assert "Healthy and in sync." in merge.step("Verify").stdout
    assert {m["model_name"] for m in live_models(litellm)} >= {"openai/gpt-a", "openai/gpt-b", "anthropic/claude-c"}

    again = run_job(litellm, "plan", repo)
    assert again.ok and again.outputs["exitcode"] == "0"
    assert "No changes. LiteLLM matches the config." in (repo / "plan.md").read_text()
    assert run_job(litellm, "drift", repo).ok

    with litellm.client() as c:  # someone edits the gateway by hand: the morning check fails
        c.post("/config/update", json={"router_settings": {"num_retries": 7}}).raise_for_status()
    drift = run_job(litellm, "drift", repo)
    assert drift.steps[-1].returncode == 2 and "does not match" in drift.steps[-1].stdout


def test_plan_error_fails_the_job(litellm: Harness, tmp_path: Path) -> None:
    repo = gateway_repo(tmp_path / "repo")
    (repo / "config.local.example.json").write_text("{}")  # no api_key for the providers
    pr = run_job(litellm, "plan", repo)
    assert not pr.ok and pr.outputs["exitcode"] == "1"
    assert "no api_key" in pr.step("Plan").stderr


def test_reviewed_checksum_applies_and_a_stale_one_applies_nothing(litellm: Harness, tmp_path: Path) -> None:
    repo = gateway_repo(tmp_path / "repo")
    assert run_job(litellm, "plan", repo).ok
    reviewed = checksum_of((repo / "plan.md").read_text())

    # The config changes after the review: the reviewed checksum no longer matches.
    cfg = variant(base_config())
    cfg["aliases"]["extra"] = "openai/gpt-a"
    gateway_repo(repo, cfg)
    before = dump_tables(litellm)
    stale = run_job(litellm, "sync", repo, inputs={"checksum": reviewed})
    sync = stale.step("Sync")
    assert sync.returncode == 1 and f"not the reviewed {reviewed}" in sync.stderr
    assert "Verify" not in [s.name for s in stale.steps]
    assert dump_tables(litellm) == before  # nothing applied

    assert run_job(litellm, "plan", repo).ok
    current = checksum_of((repo / "plan.md").read_text())
    assert current != reviewed
    applied = run_job(litellm, "sync", repo, inputs={"checksum": current})
    assert applied.ok, [(s.name, s.stdout, s.stderr) for s in applied.steps]
    assert "Applied: 11 created, 1 updated" in applied.step("Sync").stdout


def test_checksum_is_stable_and_refuses_after_gateway_drift(litellm: Harness, tmp_path: Path) -> None:
    repo = gateway_repo(tmp_path / "repo")
    (repo / "config.local.json").write_text((repo / "config.local.example.json").read_text())
    env = {"ANTIGRAVITY_MANAGER_API_KEY": PROVIDER_KEY}
    first = json.loads(llmproxy(litellm, ["plan", "--output", "json"], cwd=repo, env=env).stdout)["checksum"]
    second = json.loads(llmproxy(litellm, ["plan", "--output", "json"], cwd=repo, env=env).stdout)["checksum"]
    assert first == second  # no timestamps in it
    with litellm.client() as c:  # the gateway drifts between review and apply
        c.post("/config/update", json={"router_settings": {"num_retries": 1}}).raise_for_status()
    proc = llmproxy(litellm, ["sync", "--yes", "--checksum", first], cwd=repo, env=env)
    assert proc.returncode == 1 and "changed since that plan was made" in proc.stderr
    assert not [m for m in live_models(litellm) if m["model_info"]["db_model"]]
