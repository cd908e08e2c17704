"""Apply a plan to LiteLLM, in dependency order, with bounded parallelism, then verify.

Order: credentials → models (creates, updates, adoptions, replacement creates) → router settings
(aliases, fallbacks, other keys: one write that keeps unmanaged keys) → old deployments of
replacements → pruned models → pruned credentials (never one a live model still uses) → ledger.
A failed object does not stop the others; what depends on it is skipped. Afterwards LiteLLM is
read back and compared with the desired state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from llmproxy.apply.report import FAILED, OK, SKIPPED, ApplyReport, Outcome
from llmproxy.apply.router_write import router_payload
from llmproxy.apply.writes import Writer
from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import Ledger, LiveState
from llmproxy.live.reader import read_live
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Change, Plan
from llmproxy.secrets import redactor

ROUTER_KINDS = ("aliases", "fallbacks", "router_settings")


@dataclass
class _Step:
    change: Change
    run: Callable[[Change], object]  # called with ``change``


class Applier:
    def __init__(self, client: LiteLLMClient, desired: DesiredState, live: LiveState, plan: Plan,
                 fingerprinter: Fingerprinter, *, concurrency: int = 4,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.client = client
        self.desired = desired
        self.live = live
        self.plan = plan
        self.fp = fingerprinter
        self.writer = Writer(client, desired.owner, fingerprinter)
        self.concurrency = max(1, concurrency)
        self.on_outcome = on_outcome or (lambda o: None)
        self.report = ApplyReport()

    # -- plumbing ---------------------------------------------------------------------------
    def _record(self, change: Change, status: str, detail: str = "") -> Outcome:
        outcome = Outcome(change, status, redactor.scrub(detail))
        self.report.outcomes.append(outcome)
        self.on_outcome(outcome)
        return outcome

    def _run_all(self, steps: Iterable[_Step]) -> dict[str, Outcome]:
        """Run independent steps in parallel; return outcomes keyed by change key."""
        steps = list(steps)

        def one(step: _Step) -> tuple[_Step, str, str]:
            try:
                step.run(step.change)
                return step, OK, ""
            except LLMProxyError as exc:
                return step, FAILED, exc.message
        results: dict[str, Outcome] = {}
        if not steps:
            return results
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(steps))) as pool:
            for future in as_completed([pool.submit(one, s) for s in steps]):
                step, status, detail = future.result()
                results[f"{step.change.kind}:{step.change.key}"] = self._record(step.change, status, detail)
        return results

    def _changes(self, kind: str, *actions: Action) -> list[Change]:
        return [c for c in self.plan.changes if c.kind == kind and c.action in actions]

    # -- phases -----------------------------------------------------------------------------
    def run(self) -> ApplyReport:
        started = time.monotonic()
        writes_before = self.client.write_count
        failed_creds = self._apply_credentials()
        replaced, failed_names = self._apply_models(failed_creds)
        router_ok = self._apply_router(failed_names)
        self._delete_replaced(replaced)
        self._run_all(_Step(c, lambda c: self.writer.delete_model(c.live.id))
                      for c in self._changes("models", Action.DELETE))
        self._delete_credentials()
        self._write_ledger(router_ok)
        self.report.writes = self.client.write_count - writes_before
        self._verify()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _apply_credentials(self) -> set[str]:
        steps = []
        for c in self._changes("credentials", Action.CREATE, Action.UPDATE, Action.ADOPT):
            if c.action is Action.CREATE:
                steps.append(_Step(c, lambda c: self.writer.create_credential(c.desired)))
            else:
                steps.append(_Step(c, lambda c: self.writer.update_credential(c.desired, c.live)))
        results = self._run_all(steps)
        return {o.change.key for o in results.values() if o.status != OK}

    def _apply_models(self, failed_creds: set[str]) -> tuple[list[tuple[Change, str]], set[str]]:
        replaced: list[tuple[Change, str]] = []
        steps = []
        for c in self._changes("models", Action.CREATE, Action.UPDATE, Action.ADOPT, Action.REPLACE):
            cred = c.desired.credential
            if cred in failed_creds:
                self._record(c, SKIPPED, f"its credential {cred!r} could not be written")
                continue
            if c.action is Action.CREATE:
                steps.append(_Step(c, lambda c: self.writer.create_model(c.desired)))
            elif c.action is Action.REPLACE:
                def replace(c: Change) -> None:
                    self.writer.create_model(c.desired, avoid_id=c.live.id)
                    replaced.append((c, c.live.id))
                steps.append(_Step(c, replace))
            else:
                steps.append(_Step(c, lambda c: self.writer.update_model(c.desired, c.live)))
        self._run_all(steps)
        not_ok = {o.change.desired.model_name for o in self.report.outcomes
                  if o.change.kind == "models" and o.status != OK and o.change.desired is not None}
        existing = {d.model_name for d in self.live.deployments}
        return replaced, not_ok - existing

    def _apply_router(self, missing_models: set[str]) -> bool:
        changes = [c for c in self.plan.changes if c.kind in ROUTER_KINDS]
        if not changes:
            return True
        ready: list[Change] = []
        blocked: list[Change] = []
        for c in changes:
            refs = self._references(c)
            (blocked if refs & missing_models else ready).append(c)
        for c in blocked:
            self._record(c, SKIPPED, "refers to a model that could not be written: "
                         + ", ".join(sorted(self._references(c) & missing_models)))
        payload = router_payload(self.live.router, ready)
        try:
            if payload:
                self.writer.update_router(payload)
        except LLMProxyError as exc:
            for c in ready:
                self._record(c, FAILED, exc.message)
            return False
        for c in ready:
            self._record(c, OK)
        return True

    @staticmethod
    def _references(c: Change) -> set[str]:
        if c.kind == "aliases" and isinstance(c.desired, str):
            return {c.desired}
        if c.kind == "fallbacks" and c.desired:
            return {c.key, *c.desired}
        return set()

    def _delete_replaced(self, replaced: list[tuple[Change, str]]) -> None:
        for change, old_id in replaced:
            try:
                self.writer.delete_model(old_id)
            except LLMProxyError as exc:
                # The replacement exists; only the old copy is left. Report, never hide.
                self.report.outcomes = [o for o in self.report.outcomes if o.change is not change]
                self._record(change, FAILED, f"replacement created, but the old deployment {old_id} "
                             f"could not be deleted: {exc.message}")

    def _delete_credentials(self) -> None:
        deletions = self._changes("credentials", Action.DELETE)
        if not deletions:
            return
        try:  # re-read: never delete a credential a live model still references
            in_use = {str(m.get("litellm_params", {}).get("litellm_credential_name"))
                      for m in self.client.get_all_models()}
        except LLMProxyError as exc:
            for c in deletions:
                self._record(c, SKIPPED, f"could not check which models use it: {exc.message}")
            return
        steps = []
        for c in deletions:
            if c.key in in_use:
                self._record(c, SKIPPED, "a live model still uses this credential")
            else:
                steps.append(_Step(c, lambda c: self.writer.delete_credential(c.key)))
        self._run_all(steps)

    def _write_ledger(self, router_ok: bool) -> None:
        kinds = [k for k in ROUTER_KINDS if k in self.plan.kinds]
        if not kinds:
            return
        old = self.live.ledger(self.desired.owner)
        entries = {k: set(old.entries(k)) for k in ROUTER_KINDS}
        for o in self.report.outcomes:
            if o.change.kind in kinds and o.status == OK:
                if o.change.action is Action.DELETE:
                    entries[o.change.kind].discard(o.change.key)
                else:
                    entries[o.change.kind].add(o.change.key)
        new = Ledger(**{k: frozenset(v) for k, v in entries.items()})
        if new == old:
            return
        try:
            self.writer.write_ledger(new, exists=self.desired.owner in self.live.ledgers)
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"could not record managed router entries: {exc.message}")

    def _verify(self) -> None:
        """Read LiteLLM back; anything we wrote successfully must now match the config."""
        try:
            after = read_live(self.client)
        except LLMProxyError as exc:
            self.report.verify_errors.append(f"could not read LiteLLM back to verify: {exc.message}")
            return
        check = build_plan(self.desired, after, self.fp,
                           PlanOptions(only=frozenset(self.plan.kinds), prune=self.plan.prune))
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
