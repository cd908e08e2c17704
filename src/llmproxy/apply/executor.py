"""Apply a plan through a target, level by level, with bounded parallelism, then verify.

The levels come from the kind registry (``llmproxy.kinds``): creates, updates, adoptions and
replacement creates run top-down (level 0 first: credentials, then models, then the router
entries, which one batched write covers, deletions included); deletions run bottom-up (old copies
of replacements and pruned objects of the highest level first; a kind may veto a deletion just
before it, e.g. a credential a live model still uses); finally the ledger of the ledger kinds is
written. A failed write does not stop the others; a change that needs a name whose write failed
(and that the server did not already serve) is skipped. Afterwards the target is read back and
re-planned: anything reported as written must match.

When LiteLLM cannot be reached several times in a row (the client's circuit breaker), the apply
stops: nothing more is attempted, each change left is recorded as not attempted (without a line of
its own), and the report says in one line what was applied and what was not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial

from llmproxy.apply.report import FAILED, NOT_ATTEMPTED, OK, SKIPPED, ApplyReport, Outcome
from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError, PlanRefused
from llmproxy.kinds import REGISTRY, ResourceKind, kind, ledger_kinds, levels
from llmproxy.kinds.base import Batch, Cleanup, Ref
from llmproxy.kinds.router_entries import RouterEntryKind
from llmproxy.litellm.api import LiteLLMApi
from llmproxy.litellm.client import CircuitOpen
from llmproxy.litellm.replicas import ReplicasUnreadable
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import Ledger, LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Change, Plan
from llmproxy.redaction import redactor


@dataclass
class _Step:
    change: Change
    run: Callable[[], Cleanup | None]


@dataclass
class _Pending:
    """A replacement whose old copy is deleted in the deletion phase; reported once, after it."""

    change: Change
    cleanup: Cleanup


class Applier:
    def __init__(self, target: LiteLLMApi, desired: DesiredState, live: LiveState, plan: Plan,
                 fingerprinter: Fingerprinter, *, concurrency: int = 4,
                 on_outcome: Callable[[Outcome], None] | None = None, settle: float = 0.0,
                 notify: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, poll: float = 2.0) -> None:
        if plan.refused or (plan.unsafe and not plan.unsafe_allowed):
            raise PlanRefused("refusing to apply a plan with conflicts, broken references or over the "
                              "safety threshold (Manager.sync says why)")
        self.target = target
        self.desired = desired
        self.live = live
        self.plan = plan
        self.fp = fingerprinter
        self.concurrency = max(1, concurrency)
        self.on_outcome = on_outcome or (lambda o: None)
        self.settle, self.sleep, self.poll = settle, sleep, poll
        self.notify = notify or (lambda _m: None)
        self.report = ApplyReport()
        self._missing: set[Ref] = set()  # names whose write failed and that were not served before
        self._pending: dict[int, list[_Pending]] = {}  # level -> replacements awaiting cleanup

    # -- plumbing ---------------------------------------------------------------------------
    def _record(self, change: Change, status: str, detail: str = "") -> Outcome:
        if status == FAILED and detail == NOT_ATTEMPTED:
            status = SKIPPED  # the circuit opened: reported once, in the report's stop line
        outcome = Outcome(change, status, redactor.scrub(detail))
        self.report.outcomes.append(outcome)
        if detail != NOT_ATTEMPTED:
            self.on_outcome(outcome)
        return outcome

    @property
    def _stopped(self) -> bool:
        return self.target.circuit_open

    def _run_all(self, steps: Iterable[_Step]) -> list[tuple[_Step, Cleanup | None, str | None]]:
        """Run independent steps in parallel: (step, cleanup, error message or None)."""
        steps = list(steps)

        def one(step: _Step) -> tuple[_Step, Cleanup | None, str | None]:
            if self._stopped:
                return step, None, NOT_ATTEMPTED
            try:
                return step, step.run(), None
            except CircuitOpen:
                return step, None, NOT_ATTEMPTED
            except LLMProxyError as exc:
                return step, None, exc.message
        if not steps:
            return []
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(steps))) as pool:
            return [f.result() for f in as_completed([pool.submit(one, s) for s in steps])]

    def _changes(self, kinds: Sequence[ResourceKind], deletions: bool) -> list[Change]:
        names = {k.name for k in kinds}
        return [c for c in self.plan.changes
                if c.kind in names and (c.action is Action.DELETE) == deletions]

    def _blocked(self, change: Change) -> set[Ref]:
        return kind(change.kind).requires(change) & self._missing

    def _failed(self, change: Change) -> None:
        self._missing |= kind(change.kind).provides(change) - self._present

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> ApplyReport:
        started = time.monotonic()
        writes_before = self.target.write_count
        self._present = set().union(*(k.present(self.live) for k in REGISTRY))
        for group in levels():
            self._write_level(group)
        for group in reversed(levels()):
            self._delete_level(group)
        self._write_ledger()
        self.report.writes = self.target.write_count - writes_before
        if self._stopped:
            self._stop_line()
        else:
            self._verify()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _write_level(self, group: tuple[ResourceKind, ...]) -> None:
        """Creates/updates of one level: per-object kinds in parallel, then each batch in one write."""
        level = group[0].level
        steps = []
        for c in self._changes([k for k in group if k.batch is None], deletions=False):
            if blocked := self._blocked(c):
                self._skip(c, blocked)
                continue
            steps.append(_Step(c, partial(kind(c.kind).write, c, self.target)))
        for step, cleanup, error in self._run_all(steps):
            if error is not None:
                self._failed(step.change)
                self._record(step.change, FAILED, error)
            elif cleanup is not None:
                self._pending.setdefault(level, []).append(_Pending(step.change, cleanup))
            else:
                self._record(step.change, OK)
        for batch in {k.batch.name: k.batch for k in group if k.batch is not None}.values():
            members = {k.name for k in group if k.batch is batch}
            self._write_batch(batch, [c for c in self.plan.changes if c.kind in members])

    def _skip(self, change: Change, blocked: set[Ref]) -> None:
        self._failed(change)
        self._record(change, SKIPPED, kind(change.kind).blocked_reason(sorted(name for _, name in blocked)))

    def _write_batch(self, batch: Batch, changes: list[Change]) -> None:
        if not changes:
            return
        ready = []
        for c in changes:
            if blocked := self._blocked(c):
                self._skip(c, blocked)
            else:
                ready.append(c)
        try:
            if self._stopped:
                raise CircuitOpen(NOT_ATTEMPTED)
            batch.write(ready, self.live, self.target)
        except LLMProxyError as exc:
            detail = NOT_ATTEMPTED if isinstance(exc, CircuitOpen) else exc.message
            for c in ready:
                self._failed(c)
                self._record(c, FAILED, detail)
            return
        for c in ready:
            self._record(c, OK)

    def _delete_level(self, group: tuple[ResourceKind, ...]) -> None:
        for pending in self._pending.get(group[0].level, []):
            try:
                if self._stopped:
                    raise CircuitOpen(NOT_ATTEMPTED)
                pending.cleanup()
            except LLMProxyError as exc:
                # The replacement exists; only the old copy is left. Report, never hide.
                old = getattr(pending.change.live, "id", "?")
                self._record(pending.change, FAILED, f"replacement created, but the old deployment {old} "
                             f"could not be deleted: {exc.message}")
            else:
                self._record(pending.change, OK)
        for k in group:
            if k.batch is not None:
                continue  # written with the batch
            deletions = self._changes([k], deletions=True)
            if not deletions:
                continue
            if self._stopped:
                for c in deletions:
                    self._record(c, SKIPPED, NOT_ATTEMPTED)
                continue
            try:
                vetoed = k.guard_deletions(deletions, self.target)
            except LLMProxyError as exc:  # the check could not be made: delete nothing
                for c in deletions:
                    self._record(c, SKIPPED, NOT_ATTEMPTED if isinstance(exc, CircuitOpen)
                                 else f"not deleted: could not check that nothing uses it ({exc.message})")
                continue
            steps = []
            for c in deletions:
                if c.key in vetoed:
                    self._record(c, SKIPPED, vetoed[c.key])
                else:
                    steps.append(_Step(c, partial(k.delete, c, self.target)))
            for step, _, error in self._run_all(steps):
                self._record(step.change, FAILED if error is not None else OK, error or "")

    def _stop_line(self) -> None:
        done = sum(1 for o in self.report.outcomes if o.status == OK)
        left = [o for o in self.report.outcomes if o.detail == NOT_ATTEMPTED]
        failed = sum(1 for o in self.report.outcomes if o.status != OK) - len(left)
        names = ", ".join(f"{o.change.kind} {o.change.key}" for o in left[:5]) + (" …" if len(left) > 5 else "")
        self.report.stopped = (
            f"stopped: LiteLLM could not be reached {self.target.breaker} times in a row. Applied {done} of "
            f"{len(self.report.outcomes)} changes; {failed} failed or skipped; {len(left)} not attempted"
            + (f" ({names})" if left else "") + ". Re-run sync when LiteLLM is back to converge.")

    def _write_ledger(self) -> None:
        """Record what this owner now manages: the claims that still hold (the entry is in LiteLLM
        with the value this owner last wrote), plus what was written now; minus what was deleted.
        Only outcomes reported OK add a claim, so the ledger never claims what no write made."""
        kinds = ledger_kinds(self.plan.kinds)
        if not kinds or self._stopped:
            return
        old = self.live.ledger(self.desired.owner)
        entries = {k: set(old.entries(k)) for k in ledger_kinds()}
        digests = {k: dict(v) for k, v in old.claimed_digests().items()}
        self._keep_held_claims(old, kinds, entries, digests)
        self._add_written_claims(kinds, entries, digests)
        new = Ledger({**old.by_kind, **{k: frozenset(v) for k, v in entries.items()}},
                     {k: {e: d for e, d in v.items() if e in entries.get(k, set())} for k, v in digests.items()})
        if new == old:
            return
        try:
            self.target.write_ledger(new, ledger_kinds(), exists=self.desired.owner in self.live.ledgers)
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"could not record managed router entries: {exc.message}")

    def _keep_held_claims(self, old: Ledger, kinds: Sequence[str], entries: dict[str, set[str]],
                          digests: dict[str, dict[str, str]]) -> None:
        """Drop the claims on entries that are gone or were changed by someone else."""
        for name in kinds:
            k = kind(name)
            assert isinstance(k, RouterEntryKind)
            live = k.live_entries(self.live)
            for key in sorted(entries[name]):
                recorded, now = old.digest(name, key), k.digest(live[key]) if key in live else None
                if now is None or (recorded is not None and recorded != now):
                    entries[name].discard(key)  # gone, or changed by someone else: not ours any more
                else:
                    digests.setdefault(name, {})[key] = now

    def _add_written_claims(self, kinds: Sequence[str], entries: dict[str, set[str]],
                            digests: dict[str, dict[str, str]]) -> None:
        """Claim what this run wrote (outcomes reported OK only); release what it deleted."""
        for o in self.report.outcomes:
            if o.change.kind not in kinds or o.status != OK:
                continue
            if o.change.action is Action.DELETE:
                entries[o.change.kind].discard(o.change.key)
                continue
            entry_kind = kind(o.change.kind)
            assert isinstance(entry_kind, RouterEntryKind)
            entries[o.change.kind].add(o.change.key)
            digests.setdefault(o.change.kind, {})[o.change.key] = entry_kind.digest(o.change.desired)

    def _verify(self) -> None:
        """Read the target back: anything we wrote successfully must now match the config, and
        (when anything was written) every replica must have it.

        Behind a load balancer a replica serves credentials, models and router settings from
        memory it refreshes from the database every ``PROXY_CONFIG_RELOAD_INTERVAL_SECONDS`` (30 s
        by default). So after the first read-back the sync's witness is written (a full read after
        the last write: no replica's reload can fall between them, ``litellm.replicas``) and read
        on several connections until every read shows it, for at most ``settle`` seconds: only
        then is the sync done everywhere, else it says it is still propagating. A mismatch is read
        again after that, and until ``settle`` seconds have passed, with a progress line, before
        it counts."""
        started = time.monotonic()
        mismatches = self._mismatches()
        if self.report.writes and not self._stopped:
            self._await_replicas()
            if mismatches:
                mismatches = self._mismatches()  # every replica has reloaded now (or the wait ran out)
        deadline = started + self.settle
        first = True
        while mismatches and time.monotonic() < deadline and not self._stopped:
            if first:
                self.notify(f"verify: {len(mismatches)} change(s) not visible yet; waiting up to "
                            f"{self.settle:.0f} s for LiteLLM (replicas reload from the database)…")
                first = False
            else:
                self.notify(f"verify: still waiting for {len(mismatches)} change(s) to show "
                            f"({self.settle - (deadline - time.monotonic()):.0f}/{self.settle:.0f} s)…")
            self.sleep(min(self.poll, max(0.0, deadline - time.monotonic())))
            mismatches = self._mismatches()
        if mismatches and (not first or time.monotonic() - started >= self.poll):
            mismatches = [m + f" (still, after waiting {self.settle:.0f} s)" for m in mismatches]
        self.report.verify_errors += mismatches

    def _await_replicas(self) -> None:
        """Every replica must show this sync. A replica known to be stale fails the sync (exit 1),
        and so does a witness that cannot be written (a write of this sync that failed); a witness
        written but unreadable (every read a 5xx, ``litellm.replicas``) is a warning: the writes
        landed and were verified, only the replicas could not be checked."""
        replicas = self.target.replicas
        try:
            token = replicas.stamp(self.desired.owner)
        except LLMProxyError as exc:
            self.report.verify_errors.append(
                f"cannot check the replicas: writing llmproxy's sync witness failed: {exc.message}")
            return
        try:
            agree, reads = replicas.await_token(token, self.settle)
        except ReplicasUnreadable as exc:
            self.report.warnings.append(f"{exc.message} (the writes landed; run `llmproxy plan` shortly: a "
                                        "replica that has not reloaded this sync yet would show its changes)")
            return
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"cannot check the replicas: {exc.message}")
            return
        if agree < reads:
            self.report.verify_errors.append(
                f"still propagating: applied, but only {agree}/{reads} reads of LiteLLM show this sync after "
                f"{self.settle:.0f} s (a replica has not reloaded from the database yet; LiteLLM reloads "
                "every PROXY_CONFIG_RELOAD_INTERVAL_SECONDS). Run `llmproxy plan` again shortly: it waits "
                "for the replicas to agree")

    def _mismatches(self) -> list[str]:
        try:
            after = self.target.read()
        except LLMProxyError as exc:
            return [f"could not read LiteLLM back to verify: {exc.message}"]
        check = build_plan(self.desired, after, self.fp,
                           PlanOptions(only=frozenset(self.plan.kinds), prune=self.plan.prune),
                           capabilities=self.target.capabilities)
        done = {(o.change.kind, o.change.key) for o in self.report.outcomes if o.status == OK}
        all_ok = all(o.status == OK for o in self.report.outcomes)
        found = []
        for c in check.changes:
            # After a clean apply any remaining change is a mismatch; after a partial one, only
            # changes to objects reported as written are (the rest were reported as failed).
            if all_ok or (c.kind, c.key) in done:
                detail = "; ".join(f.describe() for f in c.fields) or c.reason
                found.append(
                    f"{c.kind} {c.key}: LiteLLM does not match the config after apply ({c.action.value}"
                    f"{': ' + detail if detail else ''})")
        return found
