"""Test configs for the end-to-end scenarios (config language as users write it)."""

from __future__ import annotations

import copy
from typing import Any

PROVIDER_KEY = "sk-e2e-provider-key-DO-NOT-LEAK-7f3a9c"
ENV = {"E2E_PROVIDER_KEY": PROVIDER_KEY}


def base_config(owner: str | None = None) -> dict[str, Any]:
    """Two providers with mock upstreams (LiteLLM's ``mock_response``), aliases, fallbacks."""
    cfg: dict[str, Any] = {
        "providers": {
            "upstream": {
                "api_base": "http://127.0.0.1:9",
                "api_key": "${E2E_PROVIDER_KEY}",
                "access_groups": ["General"],
                "interfaces": {"openai": {}},
                "models": {
                    "gpt-a": {"litellm_params": {"mock_response": "reply from gpt-a"}},
                    "gpt-b": {"litellm_params": {"mock_response": "reply from gpt-b", "rpm": 100}},
                },
            },
            "backup": {
                "api_base": "http://127.0.0.1:9",
                "api_key": "${E2E_PROVIDER_KEY}",
                "interfaces": {"anthropic": {}},
                "models": {
                    "claude-c": {"litellm_params": {"mock_response": "reply from claude-c"}},
                },
            },
        },
        # team-* is a wildcard alias: llmproxy makes it a pattern deployment mirroring openai/gpt-a.
        "aliases": {"fast": "openai/gpt-a", "smart": "openai/gpt-b", "team-*": "openai/gpt-a"},
        "fallbacks": [{"fast,smart": ["anthropic/claude-c"]}],
        "router_settings": {"num_retries": 1},
    }
    if owner:
        cfg["owner"] = owner
    return cfg


def variant(cfg: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(cfg)
