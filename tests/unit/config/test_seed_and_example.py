"""Compatibility with the seed scripts' config, and the bundled example files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from llmproxy.config import load_config
from tests.unit.config.conftest import REPO

SEEDS = REPO / "tests" / "fixtures" / "seeds"
SEED_LOCAL = {"providers": {"antigravity-manager": {"api_key": "os.environ/ANTIGRAVITY_MANAGER_API_KEY"}}}


@pytest.fixture
def seed(tmp_path: Path) -> dict:
    if not (SEEDS / "litellm_scripts-config.json").is_file():
        pytest.fail(f"seed files not found in {SEEDS}")
    shutil.copy(SEEDS / "litellm_scripts-config.json", tmp_path / "config.json")
    (tmp_path / "config.local.json").write_text(json.dumps(SEED_LOCAL))
    return load_config(tmp_path / "config.json").desired.to_json(show_secrets=True)


def test_seed_config_resolves_to_what_the_seed_scripts_sent(seed: dict) -> None:
    """Except for two deliberate differences, both things LiteLLM never did what the seed scripts
    meant: the ``os.environ/`` key was stored in the credential, where LiteLLM never resolves it
    (llmproxy puts it on every deployment; the credential keeps the api_base), and dated names
    were aliases of aliases, which LiteLLM resolves one level only (llmproxy points them at the
    final model group)."""
    expected = json.loads((SEEDS / "litellm_scripts-rendered.json").read_text())
    reference = SEED_LOCAL["providers"]["antigravity-manager"]["api_key"]
    for cred in expected["credentials"]:
        assert cred["credential_values"].pop("api_key") == reference
    for model in expected["models"]:
        model["litellm_params"] = {**model["litellm_params"], "api_key": reference}
    assert seed["credentials"] == expected["credentials"]
    assert seed["models"] == expected["models"]
    aliases = expected["aliases"]
    assert seed["aliases"] == {a: aliases.get(t, t) for a, t in aliases.items()} != aliases
    assert seed["fallbacks"] == expected["fallbacks"]


def test_seed_deployments_are_distinct_resources(seed: dict) -> None:
    identities = {(m["model_name"], m["litellm_params"]["model"], m["litellm_params"]["litellm_credential_name"])
                  for m in seed["models"]}
    assert len(identities) == len(seed["models"]) == 18


def test_example_config_validates_without_a_local_file(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.json", tmp_path / "config.json")
    loaded = load_config(tmp_path / "config.json")
    desired = loaded.desired
    assert [(c.name, c.values["api_base"]) for c in desired.credentials] == [
        ("antigravity-manager-anthropic", "http://antigravity-manager:8045"),
        ("antigravity-manager-2-anthropic", "http://antigravity-manager-2:8045"),
    ]
    # The wildcard alias is pattern deployments mirroring its target group (one per instance).
    patterns = [d for d in desired.deployments if d.model_name == "claude-opus-*"]
    assert [d.litellm_params["model"] for d in patterns] == ["anthropic/claude-opus-4-6-thinking"]
    assert not any("*" in alias for alias in desired.aliases)
    assert len(desired.fallbacks) > len(json.loads((REPO / "config.json").read_text())["fallbacks"])  # "a,b" key
    assert desired.router_settings["routing_strategy"] == "simple-shuffle"
    assert loaded.key_defaults["budget_duration"] == "30d"
    assert all(d.model_info.get("base_model") for d in desired.deployments)
    assert any(d.model_info.get("access_groups") for d in desired.deployments)
    assert json.loads((REPO / "config.json").read_text())["$schema"] == "./config.schema.json"


def test_example_local_file_resolves_both_key_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "config.json", tmp_path / "config.json")
    shutil.copy(REPO / "config.local.example.json", tmp_path / "config.local.json")
    monkeypatch.setenv("ANTIGRAVITY_MANAGER_API_KEY", "sk-example-secret-key")
    desired = load_config(tmp_path / "config.json").desired
    keys = {c.name: c.values.get("api_key") for c in desired.credentials}
    assert keys == {"antigravity-manager-anthropic": "sk-example-secret-key",
                    "antigravity-manager-2-anthropic": None}
    # The proxy-side reference is on the deployments, where LiteLLM resolves it.
    on_models = {d.credential: d.litellm_params.get("api_key") for d in desired.deployments}
    assert on_models == {"antigravity-manager-anthropic": None,
                         "antigravity-manager-2-anthropic": "os.environ/ANTIGRAVITY_MANAGER_API_KEY"}


def test_readme_configuration_examples_load(tmp_path: Path) -> None:
    section = (REPO / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    local_part = section.split("**config.local.json** is deep-merged", 1)[1]
    base, overlay = (json.loads(part.split("```json\n")[1].split("```", 1)[0]) for part in (section, local_part))
    (tmp_path / "config.json").write_text(json.dumps(base))
    desired = load_config(tmp_path / "config.json").desired
    assert [c.name for c in desired.credentials] == ["antigravity-manager-anthropic", "antigravity-manager-2-anthropic"]
    assert len(desired.deployments) == 6  # 2 models x 2 instances, and claude-opus-* mirroring 2
    base["providers"]["legacy-provider"] = {"api_base": "http://old", "api_key": "x", "interfaces": {"openai": {}}}
    (tmp_path / "config.json").write_text(json.dumps(base))
    (tmp_path / "config.local.json").write_text(json.dumps(overlay).replace("${ANTIGRAVITY_MANAGER_API_KEY}", "k"))
    desired = load_config(tmp_path / "config.json").desired
    assert [c.name for c in desired.credentials] == ["antigravity-manager-anthropic", "antigravity-manager-2-anthropic"]
    assert [d.model_info.get("access_groups") for d in desired.deployments] == [
        ("General",), ("General",), None, None, None, None]  # pattern deployments never have groups


def test_readme_pricing_example_prices_every_model(tmp_path: Path) -> None:
    section = (REPO / "README.md").read_text().split("### Pricing", 1)[1].split("\n### ", 1)[0]
    example = json.loads(section.split("```json\n")[1].split("```", 1)[0])
    shutil.copy(REPO / "config.json", tmp_path / "config.json")
    (tmp_path / "config.local.json").write_text(json.dumps(example))  # as an overlay on the bundled config
    desired = load_config(tmp_path / "config.json").desired
    params = {d.model_name: d.litellm_params for d in desired.deployments}
    assert params["anthropic/gemini-3-pro-preview"]["input_cost_per_token"] == 0.000002
    assert params["anthropic/claude-opus-4-5"]["input_cost_per_token"] == 0.000003  # from default_model
