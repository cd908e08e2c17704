"""The pipeline and its policy in one place (octoDNS calls this the Manager).

config -> desired state; the target (LiteLLM's admin API) -> live state; both -> plan; and
``sync``: refuse a plan that cannot be applied, check the reviewed checksum, apply the safety
thresholds, ask for confirmation, apply through the target, verify. The CLI commands only parse
flags, prompt and print (through ``SyncHooks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmproxy.apply.executor import Applier
from llmproxy.apply.report import ApplyReport, Outcome
from llmproxy.desired.model import Deployment, DesiredState
from llmproxy.errors import PlanRefused
from llmproxy.keys.delivery import DirectorySink
from llmproxy.kinds import extra_reads
from llmproxy.litellm.api import LiteLLMApi
from llmproxy.litellm.client import LiteLLMClient, open_client
from llmproxy.litellm.connection import DEFAULT_TIMEOUT
from llmproxy.litellm.lease import DEFAULT_WAIT
from llmproxy.litellm.replicas import SETTLE, ReplicasUnreadable
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Finding, Plan
from llmproxy.plan.safety import Thresholds, UnsafePlan
from llmproxy.pricing import declared_base_model, has_explicit_price, map_problems, unknown_base_models

if TYPE_CHECKING:
    from llmproxy.config.layers import ConfigArg


class ChecksumMismatch(PlanRefused):
    """The plan is not the one that was reviewed (``--checksum``)."""

    def __init__(self, plan: Plan, reviewed: str) -> None:
        super().__init__(
            f"the plan's checksum is {plan.checksum()}, not the reviewed {reviewed}: the gateway or "
            "the config changed since that plan was made (the plan above is the current one)",
            hint="review the new plan and run sync with its checksum")
        self.plan = plan


class UnsafePlanRefused(PlanRefused):
    """The plan is over a safety threshold and was not forced."""

    def __init__(self, unsafe: Sequence[UnsafePlan]) -> None:
        super().__init__("the plan is over the safety threshold: " + "; ".join(map(str, unsafe)),
                         hint="re-run with --allow-unsafe if that is intended (or raise --max-delete-pct / "
                              "--max-update-pct)")
        self.unsafe = tuple(unsafe)


def refuse_if_inapplicable(plan: Plan) -> None:
    """A plan with conflicts or broken references is never applied, not even with --allow-unsafe."""
    if plan.refused:
        raise PlanRefused("the plan cannot be applied: " + "; ".join(plan.conflicts + plan.broken_refs),
                          hint="fix the config (or the objects named) and run plan again")


@contextmanager
def _silent(_plan: Plan) -> Iterator[Callable[[Outcome], None]]:
    yield lambda _outcome: None


@dataclass
class SyncHooks:
    """How a front end takes part in a sync: show the plan, confirm, watch progress."""

    planned: Callable[[Plan], None] = lambda _plan: None
    confirm: Callable[[Plan], None] = lambda _plan: None  # raise (e.g. Aborted) to stop
    applying: Callable[[Plan], AbstractContextManager[Callable[[Outcome], None]]] = _silent


@dataclass(frozen=True)
class SyncResult:
    plan: Plan
    report: ApplyReport | None  # None: nothing applied (dry run, or no changes)
def thresholds_from(policy: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Thresholds:
    """The config's "sync" section, then flags (None = not given)."""
    values = {**policy, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    return Thresholds(**values)


@dataclass
class Manager:
    desired: DesiredState
    target: LiteLLMApi
    fingerprinter: Fingerprinter
    thresholds: Thresholds = field(default_factory=Thresholds)
    #: Seconds verify waits for changes to show on every replica before a mismatch counts
    #: (LiteLLM's PROXY_CONFIG_RELOAD_INTERVAL_SECONDS is 30 by default).
    settle: float = SETTLE
    #: Set when this run found the replicas cannot be checked: the plan under the lease says so
    #: again without waiting a second time.
    _unchecked: Finding | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.target.extras = extra_reads(self.desired)  # guardrails, the public model hub: when configured

    @classmethod
    def open(cls, *, config: ConfigArg, local: Path | None, env_file: Path | None,
             base_url: str | None, api_key: str | None, timeout: float = DEFAULT_TIMEOUT,
             threshold_overrides: Mapping[str, Any] | None = None) -> Manager:
        from llmproxy.config import load_config

        loaded = load_config(config, local, env_file)
        client, fingerprinter = open_client(base_url, api_key, env_file, timeout=timeout)
        for note in loaded.notes:
            client.notify(f"note: {note}")
        access = loaded.desired.teams is not None or loaded.desired.users is not None
        target = LiteLLMApi(client, loaded.desired.owner, fingerprinter, access=access,
                            with_keys=loaded.desired.keys is not None)
        return cls(desired=loaded.desired, target=target,
                   fingerprinter=fingerprinter,
                   thresholds=thresholds_from(loaded.sync_policy, threshold_overrides))

    @property
    def client(self) -> LiteLLMClient:
        return self.target.client

    def read(self) -> LiveState:
        return self.target.read()

    def plan(self, options: PlanOptions) -> tuple[LiveState, Plan]:
        deployments = self.desired.deployments or ()
        check_prices = "models" in options.only and any(
            not has_explicit_price(d.litellm_params) or declared_base_model(d) for d in deployments)
        options = replace(options, thresholds=self.thresholds)
        # Behind a balancer, a replica that has not reloaded the last sync would show it as
        # changes still to make: wait (bounded) until the replicas agree, else say so.
        replicas = self._replicas_finding()
        with ThreadPoolExecutor(max_workers=1) as pool:  # the cost map is read beside the live state
            cost_map = pool.submit(self.target.read_cost_map) if check_prices else None
            live = self.read()
            plan = build_plan(self.desired, live, self.fingerprinter, options,
                              capabilities=self.target.capabilities)
            if cost_map is not None:
                plan = replace(plan, findings=plan.findings + pricing_notes(cost_map.result(), deployments))
        if replicas is not None:
            plan = replace(plan, findings=(*plan.findings, replicas))
        return live, plan

    def _replicas_finding(self) -> Finding | None:
        """Wait (bounded) until the replicas agree; a note when they do not, or cannot be checked."""
        if self._unchecked is not None:
            return self._unchecked
        try:
            disagreement = self.target.replicas.await_agreement(self.settle)
        except ReplicasUnreadable as exc:  # the witness answers 5xx: say so, and plan anyway
            self._unchecked = Finding("", "", "replicas_unchecked",
                                      f"{exc.message}; changes below may be a replica's propagation, not drift")
            return self._unchecked
        return Finding("", "", "replicas_disagree", disagreement) if disagreement else None

    def sync(self, options: PlanOptions, *, checksum: str | None = None, dry_run: bool = False,
             concurrency: int = 4, hooks: SyncHooks | None = None,
             lease_wait: float = DEFAULT_WAIT) -> SyncResult:
        """Plan, then apply unless refused, not the reviewed plan, unsafe (and not forced), a dry
        run, empty, or not confirmed; the report includes verify-after-apply.

        Applying holds the gateway's lease (``litellm.lease``): a second sync waits up to
        ``lease_wait`` seconds, then refuses. Under the lease LiteLLM is read and planned again, so
        what is applied is never planned from a state another writer has changed since; a plan
        that changed meanwhile is shown, checked and confirmed again."""
        hooks = hooks or SyncHooks()
        live, plan = self.plan(options)
        if not self._approve(plan, options, checksum, dry_run, hooks):
            return SyncResult(plan, None)
        self._check_delivery(plan)
        with self.target.lease(lease_wait).held():
            live, again = self.plan(options)
            if again.checksum() != plan.checksum():
                self.client.notify("LiteLLM changed since the plan was made: this is the plan now")
                plan = again
                if not self._approve(plan, options, checksum, dry_run, hooks):
                    return SyncResult(plan, None)
                self._check_delivery(plan)
            with hooks.applying(plan) as on_outcome:
                report = Applier(self.target, self.desired, live, plan, self.fingerprinter,
                                 concurrency=concurrency, on_outcome=on_outcome, settle=self.settle,
                                 notify=self.client.notify).run()
        return SyncResult(plan, report)

    def _check_delivery(self, plan: Plan) -> None:
        """Before any write: a plan that mints keys needs somewhere to deliver their secrets."""
        minted = [c.key for c in plan.changes if c.kind == "keys" and c.action is Action.CREATE]
        if not minted:
            return
        sink = self.target.key_sink
        if sink is None:
            raise PlanRefused(
                f"the plan creates {len(minted)} key(s) ({', '.join(minted)}) and their secrets would have "
                "nowhere to go; nothing was applied",
                hint="pass --keys-out DIR (one file per alias, mode 0600) or --output json (secrets in the "
                     "JSON on stdout, once)")
        if isinstance(sink, DirectorySink):
            sink.check()

    @staticmethod
    def _approve(plan: Plan, options: PlanOptions, checksum: str | None, dry_run: bool,
                 hooks: SyncHooks) -> bool:
        """Show the plan and check it: False when there is nothing to apply (or a dry run);
        raises when it must not be applied."""
        hooks.planned(plan)
        refuse_if_inapplicable(plan)
        if checksum and checksum != plan.checksum():
            raise ChecksumMismatch(plan, checksum)
        if dry_run or not plan.has_changes:
            return False
        if plan.unsafe and not options.allow_unsafe:
            raise UnsafePlanRefused(plan.unsafe)
        hooks.confirm(plan)
        return True

    def close(self) -> None:
        self.target.client.close()


def pricing_notes(cost_map: dict[str, Any] | str, deployments: Sequence[Deployment]) -> tuple[Finding, ...]:
    """A note per deployment the proxy's own cost map cannot price (or one saying it was not read)."""
    if isinstance(cost_map, str):
        return (Finding("models", "", "pricing_not_checked",
                        f"pricing not checked: LiteLLM's cost map could not be read ({cost_map})"),)
    return tuple([Finding("models", "", "unpriced", f"unpriced: {problem}")
                  for problem in map_problems(tuple(deployments), cost_map)]
                 + [Finding("models", "", "unknown_base_model", f"unknown base_model: {problem}")
                    for problem in unknown_base_models(deployments, cost_map)])
