"""Send the probe requests (a few at a time) and collect the results in the order asked."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.dataplane import one_token_chat
from llmproxy.probe.report import ProbeReport, ProbeResult
from llmproxy.probe.targets import is_pattern

DEFAULT_TIMEOUT = 30.0
CONCURRENCY = 4


def run_probe(client: LiteLLMClient, names: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
              concurrency: int = CONCURRENCY) -> ProbeReport:
    def one(name: str) -> ProbeResult:
        if is_pattern(name):
            return ProbeResult.skipped(name, "a pattern, not a name clients send: probe a concrete "
                                             "name with --probe-model")
        return ProbeResult.from_answer(name, one_token_chat(client, name, timeout))

    names = list(dict.fromkeys(names))
    if not names:
        return ProbeReport()
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(names)))) as pool:
        return ProbeReport(list(pool.map(one, names)))
