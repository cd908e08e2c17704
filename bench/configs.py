"""Benchmark configs: N model deployments over several providers and all three interfaces.

Every model answers with LiteLLM's ``mock_response``, and every ``api_base`` is a closed loopback
port, so nothing ever leaves the machine.
"""

from __future__ import annotations

import copy
from typing import Any

PROVIDER_KEY = "sk-bench-provider-key-0123456789"
ENV = {"BENCH_PROVIDER_KEY": PROVIDER_KEY}

#: (provider, interface) slots the deployments are dealt over, round-robin.
SLOTS: tuple[tuple[str, str], ...] = (
    ("alpha", "openai"),
    ("beta", "anthropic"),
    ("gamma", "gemini"),
    ("delta", "openai"), ("delta", "anthropic"),
    ("epsilon", "openai"), ("epsilon", "gemini"), ("epsilon", "anthropic"),
)


def model_id(i: int) -> str:
    return f"m{i:04d}"


def generate(n: int) -> dict[str, Any]:
    """A config with exactly ``n`` deployments, a few aliases and fallbacks, one router key."""
    providers: dict[str, Any] = {}
    for name in dict.fromkeys(p for p, _ in SLOTS):
        providers[name] = {"api_base": "http://127.0.0.1:9", "api_key": "${BENCH_PROVIDER_KEY}",
                           "interfaces": {}}
        if name in ("alpha", "delta"):
            providers[name]["access_groups"] = ["General"]
    names: list[str] = []
    for i in range(n):
        provider, iface = SLOTS[i % len(SLOTS)]
        models = providers[provider]["interfaces"].setdefault(iface, {"models": {}})["models"]
        params: dict[str, Any] = {"mock_response": f"reply from {model_id(i)}"}
        if i % 3 == 0:
            params["rpm"] = 100 + i % 7
        if i % 5 == 0:
            params["timeout"] = 30
        models[model_id(i)] = {"litellm_params": params}
        names.append(f"{iface}/{model_id(i)}")
    aliases = {f"alias-{k}": names[k * len(names) // 20] for k in range(min(20, n))}
    fallbacks = [{names[k]: [names[k + 1], names[k + 2]]} for k in range(0, min(50, n - 2), 10)]
    return {"providers": providers, "aliases": aliases, "fallbacks": fallbacks,
            "router_settings": {"num_retries": 1}}


def change_one(cfg: dict[str, Any]) -> dict[str, Any]:
    """The same config with one model's ``rpm`` changed (an in-place update)."""
    out = copy.deepcopy(cfg)
    provider, iface = SLOTS[1 % len(SLOTS)]
    params = out["providers"][provider]["interfaces"][iface]["models"][model_id(1)]["litellm_params"]
    params["rpm"] = 4242
    return out


def remove_tenth(cfg: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The config without every tenth model (never one an alias or fallback names).

    Returns the new config and how many deployments were removed.
    """
    out = copy.deepcopy(cfg)
    used = set(out["aliases"].values())
    for rule in out["fallbacks"]:
        for source, targets in rule.items():
            used |= {source, *targets}
    removed = 0
    for provider in out["providers"].values():
        for iface, body in provider["interfaces"].items():
            for mid in list(body["models"]):
                if int(mid[1:]) % 10 == 9 and f"{iface}/{mid}" not in used:
                    del body["models"][mid]
                    removed += 1
    return out, removed
