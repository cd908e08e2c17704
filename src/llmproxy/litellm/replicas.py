"""Replicas behind a load balancer (Docker Swarm ``replicas: 2``): has every LiteLLM process seen
the last sync?

What LiteLLM 1.106.2 does (``proxy/proxy_server.py``, ``credential_endpoints/endpoints.py``):
``GET /credentials`` (and ``/credentials/by_name/...``), ``/v2/model/info`` and ``/router/settings``
are served from each process's memory. Writes go to the database and update the memory of the
process that received them (``/config/update`` reloads that process fully); every other process
reloads models, credentials and router settings from the database in one pass every
``PROXY_CONFIG_RELOAD_INTERVAL_SECONDS`` (30 s by default; at once when a Redis for LiteLLM's config
sync is configured). No read endpoint reads these from the database (``/v2/model/info?modelId=``
falls back to it only for an id missing from memory) and no endpoint identifies the process.

So llmproxy writes a witness: the last write of every sync that changed something is the
credential ``llmproxy-sync`` (it holds no secret; never planned or shown) with a fresh token.
A reload pass reads router settings, then models, then credentials, so a process that shows the
token has loaded everything the sync wrote before it. ``sample`` reads the witness ``SAMPLES``
times, each on a new connection (a balancer that balances connections, like Swarm's, sends each
to the next replica; one that balances requests does so anyway). ``await_token`` waits (bounded,
with a progress line "waiting for replicas: 3/4 agree") until every read shows a token;
``await_agreement`` until every read shows the same one (before ``plan`` reads the state).

A read answered with a 5xx (after the client's own retries) is read again: a passing fault. But
when no read at all could be read, ``UNREADABLE_ROUNDS`` (3) samples in a row, or 2 in a row that
already took ``UNREADABLE_FOR`` (10 s), waiting gives up with ``ReplicasUnreadable`` ("cannot check
the replicas: <what LiteLLM answered>") instead of spending all of ``SETTLE`` on a gateway that
answers that endpoint with errors. Why that bound: each of the ``SAMPLES`` reads of a sample is on
its own connection and has already had the client's retries (5 attempts with backoff), so one such
sample is 20 errors in a row; the next one, a poll later, shows it is not one bad moment, and a
third (or ~10 s of them) is margin for a balancer's short 502/503 while a replica restarts. With
the default retries that is ~17 s, with ``status``'s short ones ~8 s. A sample where only some
reads fail keeps waiting, up to ``SETTLE``, like any disagreement; so does a deadline that ends on
a sample where some read was readable. A deadline that ends on an all-unreadable sample also says
it cannot check (not "0/4 agree").
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from llmproxy.errors import Conflict, LLMProxyError, NotFound, ServerError
from llmproxy.litellm.client import DB_HINT, STORE_HINT, LiteLLMClient
from llmproxy.live.marker import actor

STAMP_NAME = "llmproxy-sync"
STAMP_KEY = "llmproxy_sync"
STAMP_NOTE = "llmproxy: the last sync of this gateway, to check that every replica has it. Holds no secret."
#: Reads of the witness per check: each replica behind a round-robin balancer of up to 4 replicas.
SAMPLES = 4
#: Seconds llmproxy waits for the replicas: three of LiteLLM's default 30 s reload intervals. One
#: interval is not enough: a reload that starts just before the write misses it, and on a busy host
#: the next one can come late (a second replica was seen to take 51 s on a 2-core machine).
SETTLE = 90.0
#: A read that failed with a 5xx (after the client's retries): never counts as agreeing. Any
#: other error (LiteLLM unreachable, the key refused) is raised: waiting would not help.
UNREADABLE = "(unreadable)"
#: Samples in a row in which no read was readable before waiting gives up (see the docstring)...
UNREADABLE_ROUNDS = 3
#: ...or 2 in a row once they have lasted this many seconds (reads retried by the client are slow).
UNREADABLE_FOR = 10.0

UNREADABLE_HINT = (f"check LiteLLM's logs for why GET /credentials/by_name/{STAMP_NAME} fails; "
                   "`llmproxy status` checks the replicas again")


class ReplicasUnreadable(LLMProxyError):
    """No read of the witness could be read: whether every replica has the last sync is unknown."""


def is_stamp(credential_name: str) -> bool:
    return credential_name == STAMP_NAME


def stamp_token(raw: Any) -> str | None:
    info = raw.get("credential_info") if isinstance(raw, dict) else None
    stamp = info.get(STAMP_KEY) if isinstance(info, dict) else None
    token = stamp.get("token") if isinstance(stamp, dict) else None
    return token if isinstance(token, str) else None


class Replicas:
    def __init__(self, client: LiteLLMClient, *, samples: int = SAMPLES,
                 notify: Callable[[str], None] = lambda _m: None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 poll: float = 2.0, announce_every: float = 10.0) -> None:
        self.client, self.samples, self.notify = client, max(1, samples), notify
        self.clock, self.sleep, self.poll, self.announce_every = clock, sleep, poll, announce_every
        self.answered = ""  # the last error a witness read got (already scrubbed by the client)

    # -- the witness ---------------------------------------------------------------------------
    def read_one(self) -> str | None:
        """The token one replica shows (None: it shows no witness), read on a new connection."""
        try:
            return stamp_token(self.client.request("GET", f"/credentials/by_name/{STAMP_NAME}",
                                                   headers={"Connection": "close"}))
        except NotFound:
            return None
        except ServerError as exc:
            if exc.status is not None and exc.status >= 500 and exc.hint not in (DB_HINT, STORE_HINT):
                self.answered = exc.message
                return UNREADABLE  # a passing fault (after the client's retries): read again
            raise

    def sample(self) -> tuple[str | None, ...]:
        return tuple(self.read_one() for _ in range(self.samples))

    def stamp(self, owner: str) -> str:
        """Record a new sync; the token every replica will show once it has reloaded."""
        token = secrets.token_hex(8)
        now = time.time()
        info = {STAMP_KEY: {"token": token, "owner": owner, "actor": actor(),
                            "at": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")}}
        body = {"credential_info": info, "credential_values": {"note": STAMP_NOTE}}
        try:
            self.client.request("PATCH", f"/credentials/{STAMP_NAME}", json=body, retry=True)
        except NotFound:  # the first sync of this gateway (PATCH looks in the database)
            try:
                self.client.request("POST", "/credentials", json={"credential_name": STAMP_NAME, **body},
                                    retry=True)
            except Conflict:  # another sync created it meanwhile, or our answer was lost
                self.client.request("PATCH", f"/credentials/{STAMP_NAME}", json=body, retry=True)
        return token

    # -- waiting -------------------------------------------------------------------------------
    def await_token(self, token: str, timeout: float) -> tuple[int, int]:
        """Wait until every sampled read shows ``token`` (at most ``timeout`` s): (agreeing, reads).
        Raises ``ReplicasUnreadable`` when no read can be read (see the module docstring)."""
        return self._await(lambda seen: sum(1 for s in seen if s == token), timeout)

    def await_agreement(self, timeout: float) -> str | None:
        """Wait until every sampled read shows the same witness (at most ``timeout`` s). None when
        they agree, else a sentence saying how far apart they still are. Raises
        ``ReplicasUnreadable`` when no read can be read (see the module docstring)."""
        agree, total = self._await(_most_common, timeout)
        if agree == total:
            return None
        return (f"the gateway's replicas disagree: {agree}/{total} reads agree after waiting {timeout:.0f} s "
                "(a replica has not reloaded the last sync from the database yet); changes below may be "
                "that propagation, not drift")

    def _await(self, agreeing: Callable[[tuple[str | None, ...]], int], timeout: float) -> tuple[int, int]:
        started = self.clock()
        announced: float | None = None
        last = -1
        unreadable, unreadable_since = 0, started  # samples in a row with no readable read
        while True:
            before = self.clock()
            seen = self.sample()
            agree = agreeing(seen)
            now = self.clock()
            if all(s == UNREADABLE for s in seen):
                if unreadable == 0:
                    unreadable_since = before
                unreadable += 1
                lasted = now - unreadable_since
                if (unreadable >= UNREADABLE_ROUNDS or (unreadable >= 2 and lasted >= UNREADABLE_FOR)
                        or now - started >= timeout):
                    raise self._unreadable(unreadable, lasted)
            else:
                unreadable = 0
            if agree == self.samples or now - started >= timeout:
                return agree, self.samples
            state = -1 if unreadable else agree
            if announced is None or state != last or now - announced >= self.announce_every:
                why = ("no read could be read: LiteLLM answered each with a server error" if unreadable else
                       "LiteLLM reloads from its database every PROXY_CONFIG_RELOAD_INTERVAL_SECONDS")
                self.notify(f"waiting for replicas: {agree}/{self.samples} agree "
                            f"({now - started:.0f}/{timeout:.0f} s; {why})…")
                announced, last = now, state
            self.sleep(min(self.poll, max(0.0, started + timeout - now)))

    def _unreadable(self, rounds: int, seconds: float) -> ReplicasUnreadable:
        reads = rounds * self.samples
        return ReplicasUnreadable(
            f"cannot check the replicas: LiteLLM answered all {reads} reads of llmproxy's sync witness "
            f"(the credential {STAMP_NAME}) in {seconds:.0f} s with a server error; the last: {self.answered}",
            hint=UNREADABLE_HINT)


def _most_common(seen: tuple[str | None, ...]) -> int:
    counts = Counter(s for s in seen if s != UNREADABLE)
    return max(counts.values(), default=0)
