"""The resource-kind registry: every kind llmproxy manages, in apply order.

Adding a kind: one module here (a ``ResourceKind`` subclass: differ, writes, ownership store,
title, ``--only`` aliases, level), one line in ``REGISTRY``, its config schema and compile rule,
and tests. The planner, the Applier, ``--only``, plan rendering and status counts iterate this.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.kinds.aliases import Aliases
from llmproxy.kinds.base import Batch, ResourceKind, Target
from llmproxy.kinds.credentials import Credentials
from llmproxy.kinds.fallbacks import Fallbacks
from llmproxy.kinds.guardrails import Guardrails
from llmproxy.kinds.keys import Keys
from llmproxy.kinds.models import Models
from llmproxy.kinds.public_model_hub import PublicModelHub
from llmproxy.kinds.router_settings import RouterSettings
from llmproxy.kinds.teams import Teams
from llmproxy.kinds.users import Users

REGISTRY: tuple[ResourceKind, ...] = (Credentials(), Guardrails(), Models(), Aliases(), Fallbacks(), RouterSettings(),
                                      PublicModelHub(), Users(), Teams(), Keys())
KINDS: tuple[str, ...] = tuple(k.name for k in REGISTRY)
_BY_NAME = {k.name: k for k in REGISTRY}


def kind(name: str) -> ResourceKind:
    return _BY_NAME[name]


def levels() -> list[tuple[ResourceKind, ...]]:
    """Kinds grouped by apply level, lowest (written first, deleted last) first."""
    return [tuple(k for k in REGISTRY if k.level == lv) for lv in sorted({k.level for k in REGISTRY})]


def ledger_kinds(names: Iterable[str] | None = None) -> tuple[str, ...]:
    """Kinds whose ownership is recorded in the ledger (optionally: only those in ``names``)."""
    wanted = set(KINDS if names is None else names)
    return tuple(k.name for k in REGISTRY if k.store == "ledger" and k.name in wanted)


def extra_reads(desired: DesiredState) -> frozenset[str]:
    """The inventories beyond the basic three the kinds in ``desired`` need read."""
    return frozenset(k.reads for k in REGISTRY if k.reads and k.section(desired) is not None)


def only_help() -> str:
    return ",".join(KINDS)


def parse_only(values: list[str] | None) -> frozenset[str]:
    """``--only credentials,models`` (comma-separated, repeatable) -> kinds; all when absent.

    Given but empty (``--only ''``, ``--only ,``: an unset ``$KINDS`` in CI) is an error, never
    "nothing selected, no changes"."""
    if values is None or values == []:
        return frozenset(KINDS)
    names = {part.strip() for value in values for part in value.split(",") if part.strip()}
    if not names:
        raise LLMProxyError(f"--only: no kind given (got {', '.join(repr(v) for v in values)}). "
                            f"Kinds: {', '.join(KINDS)}",
                            hint="leave --only out to select every kind (is a variable unset?)")
    spellings = {alias: k.name for k in REGISTRY for alias in k.aliases}
    names = {spellings.get(n, n) for n in names}
    unknown = sorted(names - set(KINDS))
    if unknown:
        hints = [difflib.get_close_matches(u, KINDS, n=1) for u in unknown]
        extra = "; ".join(f"did you mean {h[0]!r}?" for h in hints if h)
        raise LLMProxyError(f"--only: unknown kind(s) {', '.join(unknown)}. Kinds: {', '.join(KINDS)}"
                            + (f" ({extra})" if extra else ""))
    return frozenset(names)


__all__ = ["KINDS", "REGISTRY", "Batch", "ResourceKind", "Target", "extra_reads", "kind", "ledger_kinds", "levels",
           "only_help", "parse_only"]
