"""``keys create/update --models``: a name that is no live model, alias or access group makes a
key that works for nothing (LiteLLM accepts it silently). llmproxy refuses it, or only warns with
--allow-unknown-models."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.harness import Harness

CONFIG = {
    "models": [{"model_name": "general-model", "litellm_params": {"model": "openai/x", "mock_response": "hi"},
                "model_info": {"access_groups": ["General"], "base_model": "gpt-4o"}}],
    "aliases": {"fast": "general-model"},
}


def _sync(h: Harness, cwd: Path) -> None:
    write_config(cwd, CONFIG)
    proc = llmproxy(h, ["sync", "--yes"], cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_unknown_name_is_refused_unless_allowed(litellm: Harness, tmp_path: Path) -> None:
    _sync(litellm, tmp_path)
    address = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    proc = llmproxy(litellm, ["keys", "create", address, "--alias", "typo", "--models", "Generl,fast",
                              "--allow-unknown-models"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "warning: --models: 'Generl' is no model, alias or access group in LiteLLM (did you mean 'General'?)" \
        in proc.stderr
    assert "'fast'" not in proc.stderr  # an alias is fine

    strict = llmproxy(litellm, ["keys", "create", address, "--alias", "strict", "--models", "Generl"], cwd=tmp_path)
    assert strict.returncode == 1 and strict.stdout == ""
    assert "'Generl' is no model, alias or access group" in strict.stderr
    with litellm.client() as c:
        keys = c.get("/key/list", params={"key_alias": "strict"}).raise_for_status().json()["keys"]
    assert keys == []  # nothing was minted

    update = llmproxy(litellm, ["keys", "update", "typo", "--models", "General,general-model,nope", "--strict"],
                      cwd=tmp_path)
    assert update.returncode == 1 and "'nope' is no model" in update.stderr and "General'" not in update.stderr
    ok = llmproxy(litellm, ["keys", "update", "typo", "--models", "General", "--strict"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
