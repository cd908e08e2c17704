"""The repository's own ``config.json`` in front of the stand-in upstream: which names answer.

Its two providers point at the upstream, the first with a key llmproxy resolves (``${VAR}``),
the second with the proxy-side ``os.environ/ANTIGRAVITY_MANAGER_API_KEY`` (in the gateway's
environment only). The names tried are what a client would send: every exposed model name, every
exact alias, and Claude-Code-style names the wildcard aliases must catch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmproxy.config import load_config
from tests.e2e.dataplane import SERVER_KEY_VAR, UPSTREAM_KEY_VAR, DataPlane
from tests.e2e.harness import REPO

#: What the wildcard aliases must catch: a future version, a dated one, and the plain one.
DATED_SUFFIXES = ("4-6", "4-7", "4-5-20251101")


def write_bundled(dp: DataPlane, source: Path = REPO) -> dict[str, Any]:
    """Copy ``config.json`` into the workdir with a local file pointing both providers at the
    upstream; returns the base config."""
    base = json.loads((source / "config.json").read_text())
    base.pop("$schema", None)
    local = {"providers": {
        "antigravity-manager": {"api_base": dp.upstream.url, "api_key": f"${{{UPSTREAM_KEY_VAR}}}"},
        "antigravity-manager-2": {"api_base": dp.upstream.url, "api_key": f"os.environ/{SERVER_KEY_VAR}"},
    }}
    dp.write(base, local)
    if (source / "config.schema.json").exists():
        shutil.copy(source / "config.schema.json", dp.workdir / "config.schema.json")
    return base


def names_to_try(dp: DataPlane, base: dict[str, Any]) -> list[str]:
    """Exposed model names (as llmproxy's loader compiles the written files), exact aliases, and
    names for the wildcard aliases to catch."""
    os.environ.setdefault(UPSTREAM_KEY_VAR, "unused-here")  # only names are read
    desired = load_config(dp.workdir / "config.json").desired
    names = [d.model_name for d in desired.deployments or () if "*" not in d.model_name]
    for alias in base.get("aliases") or {}:
        names += [alias.replace("*", suffix) for suffix in DATED_SUFFIXES] if "*" in alias else [alias]
    return list(dict.fromkeys(names))


@dataclass
class Outcome:
    name: str
    sdk: str
    stream: bool
    ok: bool
    detail: str = ""
    cost: float | None = None

    def __str__(self) -> str:
        mode = "stream" if self.stream else "plain"
        return f"{self.name} [{self.sdk}, {mode}]: {'ok' if self.ok else 'FAILED'} {self.detail}".rstrip()


def _ask(dp: DataPlane, sdk: str, name: str, stream: bool, key: str | None) -> float | None:
    """One request; the x-litellm-response-cost of a non-streamed one."""
    messages: Any = [{"role": "user", "content": "hi"}]
    if sdk == "openai":
        client = dp.openai(key)
        if stream:
            chunks = client.chat.completions.create(model=name, messages=messages, max_tokens=5, stream=True)
            if not "".join(c.choices[0].delta.content or "" for c in chunks if c.choices):
                raise AssertionError("empty stream")
            return None
        raw = client.chat.completions.with_raw_response.create(model=name, messages=messages, max_tokens=5)
        raw.parse()
        return float(raw.headers.get("x-litellm-response-cost", "0") or 0)
    aclient = dp.anthropic(key)
    if stream:
        with aclient.messages.stream(model=name, max_tokens=5, messages=messages) as s:
            if not "".join(s.text_stream):
                raise AssertionError("empty stream")
        return None
    araw = aclient.messages.with_raw_response.create(model=name, max_tokens=5, messages=messages)
    araw.parse()
    return float(araw.headers.get("x-litellm-response-cost", "0") or 0)


def attempt(dp: DataPlane, name: str, sdk: str, stream: bool, key: str | None = None) -> Outcome:
    """One request, judged: 200, at least one upstream call, every upstream call made with a
    configured key and answered 200, and (plain) a non-zero cost."""
    before = len(dp.upstream.calls)
    try:
        cost = _ask(dp, sdk, name, stream, key)
    except Exception as exc:
        return Outcome(name, sdk, stream, False, f"{type(exc).__name__}: {str(exc)[:160]}")
    calls = dp.upstream.calls[before:]
    if not calls:
        return Outcome(name, sdk, stream, False, "no upstream call")
    bad = [c for c in calls if c.key_name is None or c.status != 200]
    if bad:
        return Outcome(name, sdk, stream, False, f"upstream saw {[(c.status, c.key_name) for c in bad]}")
    if not stream and not cost:
        return Outcome(name, sdk, stream, False, "x-litellm-response-cost is 0", cost)
    return Outcome(name, sdk, stream, True, f"key {calls[-1].key_name}", cost)


def key_spend(dp: DataPlane, key: str) -> float:
    with dp.gateway.client() as c:
        info = c.get("/key/info", params={"key": key}).raise_for_status().json()
    return float((info.get("info") or {}).get("spend") or 0)


def poll(condition: Callable[[], bool], timeout: float = 120, step: float = 2) -> bool:
    """Bounded polling of ``condition`` (LiteLLM writes spend to its database in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def run_all(dp: DataPlane, names: list[str]) -> tuple[list[Outcome], dict[str, float]]:
    """Every name through both SDKs, plain (master key) and streamed (one fresh key per name, so
    the spend LiteLLM records for the streamed calls can be read back): outcomes, spend per name."""
    outcomes: list[Outcome] = []
    stream_keys = {name: dp.mint_key(key_alias=f"stream-{name}") for name in names}
    for name in names:
        for sdk in ("openai", "anthropic"):
            outcomes.append(attempt(dp, name, sdk, stream=False))
            outcomes.append(attempt(dp, name, sdk, stream=True, key=stream_keys[name]))
    streamed_ok = {o.name for o in outcomes if o.stream and o.ok}
    poll(lambda: all(key_spend(dp, stream_keys[n]) > 0 for n in streamed_ok))
    return outcomes, {name: key_spend(dp, stream_keys[name]) for name in names}


def answered(outcomes: list[Outcome], spend: dict[str, float]) -> list[str]:
    """Names for which every request answered as the config says (streamed spend recorded)."""
    failed = {o.name for o in outcomes if not o.ok}
    return [n for n in dict.fromkeys(o.name for o in outcomes) if n not in failed and spend.get(n, 0) > 0]
