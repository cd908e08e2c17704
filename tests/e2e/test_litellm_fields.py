"""llmproxy's copy of the values LiteLLM validates agrees with the pinned LiteLLM's own pydantic
models (``ModelInfo``, ``LiteLLM_Params``), value by value, both ways."""

from __future__ import annotations

import json
import subprocess

from pydantic import ValidationError

from llmproxy.config.litellm_fields import LiteLLMModelInfo, LiteLLMParams
from tests.e2e.harness import Harness

SAMPLES = [
    ("model_info", "tier", "gold"), ("model_info", "tier", "paid"), ("model_info", "tier", "free"),
    ("model_info", "ptu_count", 0), ("model_info", "ptu_count", 5), ("model_info", "ptu_count", 2_000_000),
    ("model_info", "cost_per_ptu_per_hour", -1), ("model_info", "cost_per_ptu_per_hour", 3.5),
    ("model_info", "discoverable", "maybe"), ("model_info", "discoverable", True),
    ("model_info", "blocked", "yes"), ("model_info", "base_model", 5), ("model_info", "base_model", "gpt-4o"),
    ("model_info", "team_id", ["x"]), ("model_info", "ptu_effective_from", "not a date"),
    ("model_info", "ptu_effective_from", "2026-01-01T00:00:00Z"), ("model_info", "anything", {"a": 1}),
    ("litellm_params", "rpm", "lots"), ("litellm_params", "rpm", "60"), ("litellm_params", "rpm", 1.5),
    ("litellm_params", "tpm", 1000), ("litellm_params", "max_retries", "x"), ("litellm_params", "timeout", "30"),
    ("litellm_params", "timeout", [1]), ("litellm_params", "drop_params", "yes"),
    ("litellm_params", "input_cost_per_token", "cheap"), ("litellm_params", "input_cost_per_token", 1e-6),
    ("litellm_params", "max_budget", "x"), ("litellm_params", "tags", "one"), ("litellm_params", "tags", ["a"]),
    ("litellm_params", "api_base", 80), ("litellm_params", "use_chat_completions_api", "sure"),
]

SCRIPT = """
import json, sys
from litellm.types.router import LiteLLM_Params, ModelInfo
out = []
for section, key, value in json.loads(sys.stdin.read()):
    try:
        ModelInfo(**{key: value}) if section == "model_info" else LiteLLM_Params(model="openai/x", **{key: value})
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))
"""


def _ours(section: str, key: str, value: object) -> bool:
    try:
        if section == "model_info":
            LiteLLMModelInfo.model_validate({key: value})
        else:
            LiteLLMParams.model_validate({"model": "openai/x", key: value})
    except ValidationError:
        return False
    return True


def test_llmproxy_refuses_exactly_what_litellm_refuses(harness: Harness) -> None:
    python = harness.state_dir / "venv" / "bin" / "python"
    proc = subprocess.run([str(python), "-c", SCRIPT], input=json.dumps(SAMPLES), capture_output=True, text=True,
                          timeout=300, env={**harness.env, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    disagree = [(s, k, v, t) for (s, k, v), t in zip(SAMPLES, theirs, strict=True) if _ours(s, k, v) != t]
    assert not disagree, f"(section, key, value, LiteLLM accepts): {disagree}"
