"""The README's examples run as written, in order, against the real LiteLLM (issue 15, item 14)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV
from tests.e2e.harness import Harness

README = Path(__file__).resolve().parents[2] / "README.md"


def section_blocks(title: str) -> list[str]:
    """The ```bash blocks of one README section."""
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```bash\n(.*?)```", text[start:end if end > 0 else None], re.S)


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
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "llmproxy"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m llmproxy \"$@\"\n")
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    env.update({"PATH": f"{bin_dir}:{env['PATH']}", "LITELLM_BASE_URL": litellm.url,
                "LITELLM_API_KEY": litellm.master_key, "CI": "true", "NO_COLOR": "1", **ENV})
    (block,) = section_blocks("Virtual keys")
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "new-key.txt").read_text().startswith("sk-")
