"""Data-plane test bed: the stand-in upstream, a real LiteLLM started with the project's own
``configs/litellm.yaml`` (provider keys in its environment, as ``llmproxy.yaml`` does it), configs
whose providers point at the upstream, and clients from the official ``openai``/``anthropic`` SDKs.

The gateway is a second LiteLLM process on the harness database (``start_proxy``), on
``LLMPROXY_E2E_GATEWAY_PORT`` (default: the harness port + 1). ``llmproxy`` talks to the gateway
itself, so its router sees every change at once (no wait for a DB poll).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anthropic
import openai
from anthropic.types import MessageParam
from openai.types.chat import ChatCompletionMessageParam

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.harness import (
    REPO,
    Harness,
    reset,
    start_proxy,
    stop_proxy,
    wait_until_live,
)
from tests.upstream import Upstream

#: The project's own LiteLLM config (master key and DATABASE_URL read from the environment).
GATEWAY_CONFIG = REPO / "configs" / "litellm.yaml"
#: Resolved by llmproxy from its environment (``"${E2E_UPSTREAM_KEY}"``) and written into the credential.
UPSTREAM_KEY = "sk-upstream-llmproxy-key-DO-NOT-LEAK-4b1d9e"
UPSTREAM_KEY_VAR = "E2E_UPSTREAM_KEY"
#: In the proxy's environment only, for ``"os.environ/ANTIGRAVITY_MANAGER_API_KEY"``.
SERVER_KEY = "sk-upstream-server-side-key-DO-NOT-LEAK-8c2f"
SERVER_KEY_VAR = "ANTIGRAVITY_MANAGER_API_KEY"
UPSTREAM_KEYS = {"llmproxy": UPSTREAM_KEY, "proxy-env": SERVER_KEY}
SECRETS = (UPSTREAM_KEY, SERVER_KEY)
LLMPROXY_ENV = {UPSTREAM_KEY_VAR: UPSTREAM_KEY}


def gateway_port() -> int:
    default = int(os.environ.get("LLMPROXY_E2E_PORT", "4100")) + 1
    return int(os.environ.get("LLMPROXY_E2E_GATEWAY_PORT", str(default)))


def start_gateway(h: Harness, port: int, *, config: Path = GATEWAY_CONFIG,
                  extra_env: dict[str, str] | None = None) -> tuple[Harness, subprocess.Popen[bytes]]:
    """A real LiteLLM with ``config`` and the server-side provider key in its environment; the
    returned Harness addresses it (same master key and database)."""
    env = {SERVER_KEY_VAR: SERVER_KEY, **(extra_env or {})}
    proc = start_proxy(h, port, config=config, extra_env=env)
    gateway = replace(h, url=f"http://127.0.0.1:{port}")
    try:
        wait_until_live(gateway.url, proc, timeout=240)
    except BaseException:
        stop_proxy(proc)
        raise
    return gateway, proc


def provider(upstream: Upstream, models: dict[str, Any], *, interfaces: Sequence[str] = ("openai",),
             api_key: str = f"${{{UPSTREAM_KEY_VAR}}}", **extra: Any) -> dict[str, Any]:
    """A provider of the config language whose API is the stand-in upstream."""
    return {"api_base": upstream.url, "api_key": api_key,
            "interfaces": {name: {} for name in interfaces}, "models": models, **extra}


def config(providers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A whole config: ``providers`` plus aliases, fallbacks, router settings... (quick cooldowns
    unless given: a test must not wait a minute for a deployment to come back)."""
    cfg: dict[str, Any] = {"providers": copy.deepcopy(providers)}
    cfg["router_settings"] = {"num_retries": 0, "cooldown_time": 1, "allowed_fails": 100,
                              **extra.pop("router_settings", {})}
    cfg.update(extra)
    return cfg


@dataclass
class DataPlane:
    """What a data-plane test works with. ``gateway.url`` is the LiteLLM the clients call."""

    gateway: Harness
    upstream: Upstream
    workdir: Path

    # -- llmproxy -----------------------------------------------------------------------------
    def llmproxy(self, args: Sequence[str], *, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return llmproxy(self.gateway, args, cwd=self.workdir, env={**LLMPROXY_ENV, **(env or {})}, timeout=timeout)

    def write(self, cfg: dict[str, Any], local: dict[str, Any] | None = None) -> Path:
        return write_config(self.workdir, cfg, local)

    def sync(self, cfg: dict[str, Any], *args: str, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
        """Write ``cfg`` and ``llmproxy sync --yes ARGS``; fails the test if sync fails."""
        self.write(cfg)
        proc = self.llmproxy(["sync", "--yes", *args], env=env)
        assert proc.returncode == 0, f"sync failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        return proc

    def sync_json(self, cfg: dict[str, Any], *args: str) -> dict[str, Any]:
        proc = self.sync(cfg, "--output", "json", *args)
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    # -- clients --------------------------------------------------------------------------------
    def openai(self, key: str | None = None, **kw: Any) -> openai.OpenAI:
        """The official OpenAI SDK on the gateway (no SDK retries: the gateway's own behaviour shows)."""
        kw.setdefault("max_retries", 0)
        kw.setdefault("timeout", 60)
        return openai.OpenAI(base_url=f"{self.gateway.url}/v1", api_key=key or self.gateway.master_key, **kw)

    def anthropic(self, key: str | None = None, **kw: Any) -> anthropic.Anthropic:
        kw.setdefault("max_retries", 0)
        kw.setdefault("timeout", 60)
        return anthropic.Anthropic(base_url=self.gateway.url, api_key=key or self.gateway.master_key, **kw)

    def mint_key(self, **body: Any) -> str:
        """A virtual key minted through LiteLLM's API (``/key/generate``)."""
        with self.gateway.client() as c:
            return str(c.post("/key/generate", json=body).raise_for_status().json()["key"])

    def reset(self) -> None:
        """The gateway back to a known state (through the gateway itself), the upstream forgotten."""
        reset(self.gateway)
        self.upstream.reset()


def ask_openai(dp: DataPlane, model: str, *, key: str | None = None, stream: bool = False,
               max_tokens: int = 5) -> str:
    """One chat completion through the OpenAI SDK; the reply text."""
    client = dp.openai(key)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    if stream:
        parts = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in parts if c.choices)
    r = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens)
    return str(r.choices[0].message.content)


def ask_anthropic(dp: DataPlane, model: str, *, key: str | None = None, stream: bool = False,
                  max_tokens: int = 5) -> str:
    """One message through the Anthropic SDK; the reply text."""
    client = dp.anthropic(key)
    messages: list[MessageParam] = [{"role": "user", "content": "hi"}]
    if stream:
        with client.messages.stream(model=model, max_tokens=max_tokens, messages=messages) as s:
            return "".join(s.text_stream)
    r = client.messages.create(model=model, max_tokens=max_tokens, messages=messages)
    return "".join(b.text for b in r.content if b.type == "text")
