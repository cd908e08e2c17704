"""``sync --prune`` while clients keep calling: a model group that exists before and after the sync
never fails a request, whether it is left alone, updated in place, replaced (create first, then
delete) or an alias is retargeted. Counted, not timed."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable

from tests.e2e.dataplane import DataPlane, ask_anthropic, ask_openai, config, provider

THREADS = 4
AFTER_SYNC = 15  # requests each client makes once the sync has returned
MAX_REQUESTS = 3000  # per client: the loop is bounded whatever happens
STABLE = ("openai/steady", "openai/updated", "openai/replaced", "stay", "moving")


def before(dp: DataPlane) -> dict[str, object]:
    return config({"up": provider(dp.upstream, {
        "steady": {}, "updated": {"litellm_params": {"rpm": 100}}, "replaced": {"litellm_params": {"rpm": 100}},
        "dropped": {}}, interfaces=("openai",))}, aliases={"stay": "openai/steady", "moving": "openai/updated"})


def after(dp: DataPlane) -> dict[str, object]:
    return config({"up": provider(dp.upstream, {
        "steady": {}, "updated": {"litellm_params": {"rpm": 200}}, "replaced": {}, "added": {}},
        interfaces=("openai",))}, aliases={"stay": "openai/steady", "moving": "openai/replaced"})


class ClientLoop:
    """THREADS clients calling every STABLE name in turn (OpenAI and Anthropic SDKs, plain and
    streamed), counting answers and failures per name."""

    def __init__(self, dp: DataPlane) -> None:
        self.dp = dp
        self.ok: Counter[str] = Counter()
        self.failures: list[tuple[str, str]] = []
        self.done = [0] * THREADS
        self.cond = threading.Condition()
        self.stop_at: list[int] | None = None
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(THREADS)]

    def run(self, index: int) -> None:
        ask: Callable[..., str] = ask_openai if index % 2 == 0 else ask_anthropic
        for n in range(MAX_REQUESTS):
            with self.cond:
                if self.stop_at is not None and self.done[index] >= self.stop_at[index]:
                    return
            name = STABLE[(n + index) % len(STABLE)]
            try:
                text = ask(self.dp, name, stream=n % 3 == 0, max_tokens=2)
                ok = text == "hello from"
            except Exception as exc:
                ok, text = False, f"{type(exc).__name__}: {exc}"
            with self.cond:
                if ok:
                    self.ok[name] += 1
                else:
                    self.failures.append((name, text[:300]))
                self.done[index] += 1
                self.cond.notify_all()

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 300) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout=timeout), f"clients did not {what} in {timeout}s"

    def finish(self) -> None:
        """Let every client make AFTER_SYNC more requests, then stop them."""
        with self.cond:
            self.stop_at = [d + AFTER_SYNC for d in self.done]
        self.wait_for(lambda: all(d >= s for d, s in zip(self.done, self.stop_at or [], strict=True)),
                      f"make {AFTER_SYNC} requests each after the sync")
        for t in self.threads:
            t.join(timeout=60)


def test_sync_prune_under_a_client_loop_fails_no_request_for_surviving_groups(dataplane: DataPlane) -> None:
    dataplane.sync(before(dataplane))
    loop = ClientLoop(dataplane)
    loop.start()
    loop.wait_for(lambda: all(d >= 5 for d in loop.done), "start answering")
    dataplane.write(after(dataplane))
    started = sum(loop.done)
    proc = dataplane.llmproxy(["sync", "--prune", "--yes", "--output", "json"])
    during = sum(loop.done) - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    loop.finish()
    applied = {(o["kind"], o["action"], o["key"].split(" ")[0]) for o in json.loads(proc.stdout)["applied"]["outcomes"]}
    # the risky paths really ran while clients were calling
    assert {("models", "update", "openai/updated"), ("models", "replace", "openai/replaced"),
            ("models", "delete", "openai/dropped"), ("models", "create", "openai/added"),
            ("aliases", "update", "moving")} <= applied, applied
    assert during > 0
    assert loop.failures == []
    assert all(loop.ok[name] >= 5 for name in STABLE), loop.ok
    assert sum(loop.ok.values()) >= THREADS * (5 + AFTER_SYNC) + during
    # the retargeted alias now reaches the replaced group, the pruned group is gone
    assert ask_openai(dataplane, "moving", max_tokens=3) == "hello from replaced"
    assert ask_openai(dataplane, "openai/added", max_tokens=3) == "hello from added"
