"""The README's examples run as written, in order, against the real LiteLLM (issue 15, item 14)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV
from tests.e2e.harness import Harness
from tests.e2e.test_access_teams import reset_access

README = Path(__file__).resolve().parents[2] / "README.md"


def section_blocks(title: str, lang: str = "bash") -> list[str]:
    """The ```bash (or ```LANG) blocks of one README section."""
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(rf"```{lang}\n(.*?)```", text[start:end if end > 0 else None], re.S)


def cli_env(h: Harness, bin_dir: Path) -> dict[str, str]:
    """``llmproxy`` on PATH (this checkout), the harness as the gateway, CI=true."""
    bin_dir.mkdir()
    wrapper = bin_dir / "llmproxy"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m llmproxy \"$@\"\n")
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    env.update({"PATH": f"{bin_dir}:{env['PATH']}", "LITELLM_BASE_URL": h.url,
                "LITELLM_API_KEY": h.master_key, "CI": "true", "NO_COLOR": "1", **ENV})
    return env


def test_the_virtual_keys_examples_run_in_order(litellm: Harness, tmp_path: Path) -> None:
    models = {name: {"litellm_params": {"mock_response": f"hi from {name}"}}
              for name in ("gpt-4o", "claude-sonnet-4-5", "claude-opus-4-6")}
    write_config(tmp_path, {"providers": {"up": {
        "api_base": "http://127.0.0.1:9", "api_key": "${E2E_PROVIDER_KEY}", "access_groups": ["General"],
        "interfaces": {"openai": {"model_name_prefix": ""}}, "models": models}}})
    synced = llmproxy(litellm, ["sync", "--yes"], cwd=tmp_path, env=ENV)
    assert synced.returncode == 0, synced.stderr
    with litellm.client() as c:
        c.post("/team/new", json={"team_id": "platform", "team_alias": "platform"}).raise_for_status()
    env = cli_env(litellm, tmp_path / "bin")
    (block,) = section_blocks("Virtual keys")
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "new-key.txt").read_text().startswith("sk-")


def test_the_access_as_code_examples_load_and_the_ci_flow_runs_in_order(litellm: Harness, tmp_path: Path) -> None:
    """The section's config examples (teams and users, keys) together, under a provider with the
    models and the alias they name; then its CI flow, line by line as written."""
    blocks = [json.loads(b) for b in section_blocks("Access as code", "json")]
    assert len(blocks) == 2 and "teams" in blocks[0] and "keys" in blocks[1]
    models = {"gpt-4o-mini": {"litellm_params": {"mock_response": "hi"}, "access_groups": ["General"]}}
    cfg = {"providers": {"up": {"api_base": "http://127.0.0.1:9", "api_key": "${E2E_PROVIDER_KEY}",
                                "interfaces": {"openai": {"model_name_prefix": ""}}, "models": models}},
           "aliases": {"fast": "gpt-4o-mini"}, **blocks[0], **blocks[1]}
    write_config(tmp_path, cfg)
    reset_access(litellm)
    try:
        (flow,) = section_blocks("Access as code")
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", flow], cwd=tmp_path,
                              env=cli_env(litellm, tmp_path / "bin"), capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr[-3000:]
        plan = (tmp_path / "plan.md").read_text()
        assert "+ create research-ci" in plan and "max_budget: + 30.0" in plan  # the policy, multiplied
        assert proc.stdout.count("stored ") == 3 and not list((tmp_path / "new-keys").iterdir())
        assert (tmp_path / "ana-notebook.key").read_text().startswith("sk-")
        assert "sk-" not in proc.stdout + proc.stderr  # only the rotated key, in its file
    finally:
        reset_access(litellm)
