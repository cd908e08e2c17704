"""A gateway-wide lease, so that two ``sync`` runs (same or different owners) never write at once.

LiteLLM has no lock, no ETag and no compare-and-set on its admin API: ``/config/update`` replaces
each ``router_settings`` key whole, so two writers that read, merge and write at the same time
lose one another's entries. What it does offer is a unique credential name, enforced by the
database (``POST /credentials`` answers 409 for a name that exists, on every replica). llmproxy
uses that as its lock: a value-less credential ``llmproxy-lock`` whose ``credential_info`` names
the holder (owner, who, pid), when it was taken and when it expires.

* ``acquire`` creates it. If it exists and has not expired, it waits (bounded, one line every
  few seconds naming the holder) and then refuses with the holder's name and age.
* A lease whose holder crashed expires after ``ttl`` seconds; the next run deletes it and takes
  its own.
* ``release`` deletes it, only if it is still ours.
* Behind a balancer, ``GET /credentials/by_name/...`` is answered from the memory of one replica,
  which loads a new credential only on its next reload (``litellm.replicas``): a replica may not
  show a lease that exists, or still show one that is gone. So the holder is read on several
  connections (the newest lease any of them shows), and ``release`` deletes the lease while it
  cannot have expired (no other sync can hold it then) unless a read shows a newer one, and
  after that only when a read shows it is still ours.
* ``llmproxy unlock`` (``force_release``) deletes a crashed sync's lease before it expires.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from llmproxy.errors import Conflict, LLMProxyError, NotFound
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.replicas import SAMPLES
from llmproxy.live.marker import actor

LOCK_NAME = "llmproxy-lock"
LEASE_KEY = "llmproxy_lease"
LOCK_NOTE = "llmproxy lock: a sync is writing to this gateway. Holds no secret."
DEFAULT_TTL = 600.0  # seconds a lease lasts when its holder never releases it (a crash)
DEFAULT_WAIT = 120.0  # seconds a second sync waits for the lease before it refuses


class LeaseHeld(LLMProxyError):
    """Another sync holds the gateway's lease."""


def is_lock(credential_name: str) -> bool:
    return credential_name == LOCK_NAME


@dataclass(frozen=True)
class Holder:
    owner: str
    actor: str
    token: str
    acquired_at: float
    expires_at: float

    @classmethod
    def parse(cls, raw: Any) -> Holder | None:
        info = raw.get("credential_info") if isinstance(raw, dict) else None
        lease = info.get(LEASE_KEY) if isinstance(info, dict) else None
        if not isinstance(lease, dict):
            return None
        try:
            return cls(str(lease["owner"]), str(lease.get("actor", "?")), str(lease["token"]),
                       float(lease["acquired_at"]), float(lease["expires_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def describe(self, now: float) -> str:
        return f"owner {self.owner!r} ({self.actor}), held for {max(0.0, now - self.acquired_at):.0f} s"


class Lease:
    def __init__(self, client: LiteLLMClient, owner: str, *, ttl: float = DEFAULT_TTL,
                 wait: float = DEFAULT_WAIT, notify: Callable[[str], None] = lambda _m: None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 poll: float = 2.0) -> None:
        self.client, self.owner, self.ttl, self.wait = client, owner, ttl, wait
        self.notify, self.clock, self.sleep, self.poll = notify, clock, sleep, poll
        self.token = secrets.token_hex(8)
        self.acquired_at: float | None = None

    def _body(self, now: float) -> dict[str, Any]:
        return {"credential_name": LOCK_NAME, "credential_values": {"note": LOCK_NOTE},
                "credential_info": {LEASE_KEY: {
                    "owner": self.owner, "actor": f"{actor()} pid {os.getpid()}", "token": self.token,
                    "acquired_at": now, "expires_at": now + self.ttl,
                    "acquired": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")}}}

    def holder(self) -> Holder | None:
        """The newest lease any of ``SAMPLES`` reads (each on a new connection: another replica) shows."""
        return current_holder(self.client)

    def acquire(self) -> None:
        started = self.clock()
        announced = -1e9
        while True:
            now = self.clock()
            try:
                self.client.request("POST", "/credentials", json=self._body(now), retry=True)
                self.acquired_at = now
                return
            except Conflict:
                pass
            held = self.holder()
            if held is not None and held.token == self.token:
                self.acquired_at = held.acquired_at
                return  # our own create landed; its answer was lost
            if held is not None and held.expires_at <= now:
                self.notify(f"the lease of {held.describe(now)} expired: taking over")
                self._delete()
                continue
            waited = now - started
            who = held.describe(now) if held is not None else "another sync"
            if waited >= self.wait:
                raise LeaseHeld(f"another sync is writing to this LiteLLM: the lease is held by {who}; "
                                f"waited {waited:.0f} s",
                                hint=f"re-run when it is done; a crashed holder's lease expires on its own "
                                     f"(after {self.ttl:.0f} s); if that sync was killed, `llmproxy unlock` "
                                     "releases it now")
            if now - announced >= 10:
                self.notify(f"waiting for the lease held by {who} ({waited:.0f}/{self.wait:.0f} s)…")
                announced = now
            self.sleep(self.poll)

    def _delete(self) -> None:
        with contextlib.suppress(NotFound):
            self.client.request("DELETE", f"/credentials/{LOCK_NAME}", retry=True)

    def release(self) -> None:
        """Delete the lease if it is still ours (best effort: an expired lease is harmless).
        After the circuit breaker stopped the run, one plain attempt each, so that a LiteLLM that
        is back does not keep the next sync waiting for this lease to expire."""
        if self.client.circuit_open:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                answer = self.client.send_once("GET", f"/credentials/by_name/{LOCK_NAME}", timeout=5)
                held = Holder.parse(answer.json()) if answer.status_code == 200 else None
                if held is not None and held.token == self.token:
                    self.client.send_once("DELETE", f"/credentials/{LOCK_NAME}", timeout=5)
            return
        with contextlib.suppress(LLMProxyError):
            held = self.holder()
            unexpired = self.acquired_at is not None and self.clock() < self.acquired_at + self.ttl
            if held is not None and held.token == self.token:
                self._delete()
            elif unexpired and (held is None or held.acquired_at <= (self.acquired_at or 0)):
                # No read shows ours (a replica that has not loaded it), nor a newer one: while ours
                # cannot have expired no other sync can hold the lease, so it is ours.
                self._delete()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


def current_holder(client: LiteLLMClient, samples: int = SAMPLES) -> Holder | None:
    """The newest lease any of ``samples`` reads of it shows, each on a new connection."""
    found = []
    for _ in range(samples):
        try:
            raw = client.request("GET", f"/credentials/by_name/{LOCK_NAME}", headers={"Connection": "close"})
        except NotFound:
            continue
        if (held := Holder.parse(raw)) is not None:
            found.append(held)
    return max(found, key=lambda h: h.acquired_at, default=None)


def force_release(client: LiteLLMClient) -> bool:
    """Delete the lease whoever holds it (``llmproxy unlock``); False when there was none."""
    try:
        client.request("DELETE", f"/credentials/{LOCK_NAME}", retry=True)
    except NotFound:
        return False
    return True
