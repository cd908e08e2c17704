"""The pipeline in one place (octoDNS calls this the Manager): config → desired state,
LiteLLM → live state, both → plan, plan → apply. The CLI commands are thin wrappers around it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmproxy.desired.model import KINDS, Deployment, DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.connection import resolve_connection
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.live.reader import read_live
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Plan
from llmproxy.pricing import has_explicit_price, map_problems


@dataclass
class Manager:
    desired: DesiredState
    client: LiteLLMClient
    fingerprinter: Fingerprinter

    @classmethod
    def open(cls, *, config: Path | None, local: Path | None, env_file: Path | None,
             base_url: str | None, api_key: str | None, timeout: float = 30.0) -> Manager:
        from llmproxy.config import load_config

        loaded = load_config(config, local, env_file)
        conn = resolve_connection(base_url, api_key, env_file)
        client = LiteLLMClient(conn.base_url, conn.api_key, timeout=timeout)
        return cls(desired=loaded.desired, client=client, fingerprinter=Fingerprinter(conn.api_key))

    def read(self) -> LiveState:
        return read_live(self.client)

    def plan(self, options: PlanOptions) -> tuple[LiveState, Plan]:
        deployments = self.desired.deployments or ()
        check_prices = "models" in options.only and any(not has_explicit_price(d.litellm_params)
                                                        for d in deployments)
        with ThreadPoolExecutor(max_workers=1) as pool:  # the cost map is read beside the live state
            cost_map = pool.submit(read_cost_map, self.client) if check_prices else None
            live = self.read()
            plan = build_plan(self.desired, live, self.fingerprinter, options)
            if cost_map is not None:
                plan.notes += pricing_notes(cost_map.result(), deployments)
        return live, plan

    def close(self) -> None:
        self.client.close()


def read_cost_map(client: LiteLLMClient) -> dict[str, Any] | str:
    """The cost map the proxy loaded (``/public/litellm_model_cost_map``, the catalog without the
    entries it registers per deployment), or why it could not be read."""
    try:
        cost_map = client.get("/public/litellm_model_cost_map", catalog_only="true")
    except LLMProxyError as exc:
        return exc.message
    return cost_map if isinstance(cost_map, dict) else "not a JSON object"


def pricing_notes(cost_map: dict[str, Any] | str, deployments: tuple[Deployment, ...]) -> list[str]:
    """A note per deployment the proxy's own cost map cannot price (or one saying it was not read)."""
    if isinstance(cost_map, str):
        return [f"pricing not checked: LiteLLM's cost map could not be read ({cost_map})"]
    return [f"unpriced: {problem}" for problem in map_problems(deployments, cost_map)]


def parse_only(values: list[str] | None) -> frozenset[str]:
    """``--only credentials,models`` (comma-separated, repeatable) → kinds; all when absent."""
    if not values:
        return frozenset(KINDS)
    kinds = {part.strip() for value in values for part in value.split(",") if part.strip()}
    aliases = {"router": "router_settings", "router-settings": "router_settings",
               "model": "models", "credential": "credentials", "alias": "aliases",
               "fallback": "fallbacks"}
    kinds = {aliases.get(k, k) for k in kinds}
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        import difflib

        hints = [difflib.get_close_matches(u, KINDS, n=1) for u in unknown]
        extra = "; ".join(f"did you mean {h[0]!r}?" for h in hints if h)
        raise LLMProxyError(f"--only: unknown kind(s) {', '.join(unknown)}. Kinds: {', '.join(KINDS)}"
                            + (f" ({extra})" if extra else ""))
    return frozenset(kinds)
