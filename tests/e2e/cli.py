"""Run the real ``llmproxy`` command in a subprocess, as a user or a CI job would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.e2e.harness import Harness


def write_config(directory: Path, config: dict[str, Any], local: dict[str, Any] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(config, indent=2))
    local_path = directory / "config.local.json"
    if local is not None:
        local_path.write_text(json.dumps(local, indent=2))
    elif local_path.exists():
        local_path.unlink()
    return path


def llmproxy(h: Harness, args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None,
             url: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``llmproxy ARGS`` with the harness as LITELLM_BASE_URL / LITELLM_API_KEY, no TTY, CI=true."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    full_env.update({"LITELLM_BASE_URL": url or h.url, "LITELLM_API_KEY": h.master_key, "CI": "true",
                     "NO_COLOR": "1", "COLUMNS": "200"})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "llmproxy", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)


def sync_json(h: Harness, args: Sequence[str], cwd: Path, **kw: Any) -> tuple[int, dict[str, Any], str]:
    proc = llmproxy(h, ["sync", "--output", "json", *args], cwd=cwd, **kw)
    try:
        body = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError as exc:
        raise AssertionError(f"sync printed no JSON: {proc.stdout}\n{proc.stderr}") from exc
    return proc.returncode, body, proc.stderr


def live_models(h: Harness) -> list[dict[str, Any]]:
    with h.client() as c:
        return c.get("/v2/model/info", params={"size": 500}).raise_for_status().json()["data"]


def chat(h: Harness, model: str, key: str | None = None) -> tuple[int, str]:
    with h.client(key) as c:
        r = c.post("/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]})
    if r.status_code != 200:
        return r.status_code, r.text
    return 200, r.json()["choices"][0]["message"]["content"]
