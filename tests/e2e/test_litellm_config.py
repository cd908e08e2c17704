"""``llmproxy render --format litellm-config``: the config.yaml it writes starts the pinned LiteLLM
in config-file mode, which then serves every model, alias and fallback of the config, with the
provider key taken from the environment (never from the file)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV, PROVIDER_KEY, base_config
from tests.e2e.harness import Harness, start_proxy, stop_proxy, wait_until_live
from tests.harness.processes import free_port


def render(h: Harness, cwd: Path) -> tuple[str, str]:
    result = llmproxy(h, ["render", "--format", "litellm-config"], cwd=cwd, env=ENV)
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


@pytest.mark.parametrize("with_database", [False, True], ids=["config-only", "with-database"])
def test_the_rendered_config_starts_litellm_and_serves_its_models(
        harness: Harness, tmp_path: Path, with_database: bool) -> None:
    cfg = base_config()
    write_config(tmp_path, cfg)
    text, messages = render(harness, tmp_path)
    assert PROVIDER_KEY not in text and PROVIDER_KEY not in messages
    doc = yaml.safe_load(text)
    assert {c["credential_values"]["api_key"] for c in doc["credential_list"]} == {"os.environ/E2E_PROVIDER_KEY"}
    path = tmp_path / "litellm.yaml"
    path.write_text(text)

    port = int(os.environ.get("LLMPROXY_E2E_CONFIG_PORT") or free_port())
    proc = start_proxy(harness, port, config=path, with_database=with_database, extra_env=ENV)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_live(url, proc)
        with httpx.Client(base_url=url, timeout=60,
                          headers={"Authorization": f"Bearer {harness.master_key}"}) as c:
            served = {m["id"] for m in c.get("/v1/models").raise_for_status().json()["data"]}
            assert {"openai/gpt-a", "openai/gpt-b", "anthropic/claude-c"} <= served
            for model, reply in (("openai/gpt-b", "reply from gpt-b"), ("fast", "reply from gpt-a")):
                r = c.post("/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]})
                assert r.status_code == 200, r.text
                assert r.json()["choices"][0]["message"]["content"] == reply
            info = c.get("/model/info").raise_for_status().json()["data"]
            gpt_b = next(m for m in info if m["model_name"] == "openai/gpt-b")
            assert gpt_b["litellm_params"]["litellm_credential_name"] == "upstream-openai"
            assert gpt_b["litellm_params"]["rpm"] == 100
            assert gpt_b["model_info"]["access_groups"] == ["General"]
            router = c.get("/router/settings").raise_for_status().json()["current_values"]
            assert router["model_group_alias"]["smart"] == "openai/gpt-b"
            assert {"fast": ["anthropic/claude-c"]} in router["fallbacks"]
            assert router["num_retries"] == 1
    finally:
        stop_proxy(proc)


def test_a_secret_that_is_not_a_variable_reference_is_replaced_by_one(harness: Harness, tmp_path: Path) -> None:
    cfg = base_config()
    cfg["providers"]["upstream"]["api_key"] = "sk-literal-secret-in-the-config-1234"
    write_config(tmp_path, cfg)
    text, messages = render(harness, tmp_path)
    assert "sk-literal-secret-in-the-config-1234" not in text + messages
    doc = yaml.safe_load(text)
    cred = next(c for c in doc["credential_list"] if c["credential_name"] == "upstream-openai")
    assert cred["credential_values"]["api_key"] == "os.environ/UPSTREAM_OPENAI_API_KEY"
    assert "UPSTREAM_OPENAI_API_KEY" in messages


def test_show_secrets_is_refused_for_a_config_file(harness: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    result = llmproxy(harness, ["render", "--format", "litellm-config", "--show-secrets"], cwd=tmp_path, env=ENV)
    assert result.returncode == 1 and "never holds secrets" in result.stderr and "Traceback" not in result.stderr
