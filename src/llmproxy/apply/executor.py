"""Apply a plan through a target, level by level, with bounded parallelism, then verify.

The levels come from the kind registry (``llmproxy.kinds``): creates, updates, adoptions and
replacement creates run top-down (level 0 first: credentials, then models, then the router
entries, which one batched write covers, deletions included); deletions run bottom-up (old copies
of replacements and pruned objects of the highest level first; a kind may veto a deletion just
before it, e.g. a credential a live model still uses); finally the ledger of the ledger kinds is
written. A failed write does not stop the others; a change that needs a name whose write failed
(and that the server did not already serve) is skipped. Afterwards the target is read back and
re-planned: anything reported as written must match.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial

from llmproxy.apply.report import FAILED, OK, SKIPPED, ApplyReport, Outcome
from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError, PlanRefused
from llmproxy.kinds import REGISTRY, ResourceKind, kind, ledger_kinds, levels
from llmproxy.kinds.base import Batch, Cleanup, Ref
from llmproxy.litellm.api import LiteLLMApi
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
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
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
        self.report = ApplyReport()
        self._missing: set[Ref] = set()  # names whose write failed and that were not served before
        self._pending: dict[int, list[_Pending]] = {}  # level -> replacements awaiting cleanup

    # -- plumbing ---------------------------------------------------------------------------
    def _record(self, change: Change, status: str, detail: str = "") -> Outcome:
        outcome = Outcome(change, status, redactor.scrub(detail))
        self.report.outcomes.append(outcome)
        self.on_outcome(outcome)
        return outcome

    def _run_all(self, steps: Iterable[_Step]) -> list[tuple[_Step, Cleanup | None, str | None]]:
        """Run independent steps in parallel: (step, cleanup, error message or None)."""
        steps = list(steps)

        def one(step: _Step) -> tuple[_Step, Cleanup | None, str | None]:
            try:
                return step, step.run(), None
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
            batch.write(ready, self.live, self.target)
        except LLMProxyError as exc:
            for c in ready:
                self._failed(c)
                self._record(c, FAILED, exc.message)
            return
        for c in ready:
            self._record(c, OK)

    def _delete_level(self, group: tuple[ResourceKind, ...]) -> None:
        for pending in self._pending.get(group[0].level, []):
            try:
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
            vetoed = k.guard_deletions(deletions, self.target)
            steps = []
            for c in deletions:
                if c.key in vetoed:
                    self._record(c, SKIPPED, vetoed[c.key])
                else:
                    steps.append(_Step(c, partial(k.delete, c, self.target)))
            for step, _, error in self._run_all(steps):
                self._record(step.change, FAILED if error is not None else OK, error or "")

    def _write_ledger(self) -> None:
        kinds = ledger_kinds(self.plan.kinds)
        if not kinds:
            return
        old = self.live.ledger(self.desired.owner)
        entries = {k: set(old.entries(k)) for k in ledger_kinds()}
        for o in self.report.outcomes:
            if o.change.kind in kinds and o.status == OK:
                if o.change.action is Action.DELETE:
                    entries[o.change.kind].discard(o.change.key)
                else:
                    entries[o.change.kind].add(o.change.key)
        new = Ledger({**old.by_kind, **{k: frozenset(v) for k, v in entries.items()}})
        if new == old:
            return
        try:
            self.target.write_ledger(new, ledger_kinds(), exists=self.desired.owner in self.live.ledgers)
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"could not record managed router entries: {exc.message}")

    def _verify(self) -> None:
        """Read the target back; anything we wrote successfully must now match the config."""
        try:
            after = self.target.read()
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"could not read LiteLLM back to verify: {exc.message}")
            return
        check = build_plan(self.desired, after, self.fp,
                           PlanOptions(only=frozenset(self.plan.kinds), prune=self.plan.prune),
                           capabilities=self.target.capabilities)
        done = {(o.change.kind, o.change.key) for o in self.report.outcomes if o.status == OK}
        all_ok = all(o.status == OK for o in self.report.outcomes)
        for c in check.changes:
            # After a clean apply any remaining change is a mismatch; after a partial one, only
            # changes to objects reported as written are (the rest were reported as failed).
            if all_ok or (c.kind, c.key) in done:
                detail = "; ".join(f.describe() for f in c.fields) or c.reason
                self.report.verify_errors.append(
                    f"{c.kind} {c.key}: LiteLLM does not match the config after apply ({c.action.value}"
                    f"{': ' + detail if detail else ''})")
