from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from llmproxy.config import load_config
from llmproxy.desired.model import DesiredState
from llmproxy.export import ExportResult, build_export
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan

Export = Callable[..., ExportResult]
RoundTrip = Callable[..., tuple[ExportResult, DesiredState, Plan]]


@pytest.fixture()
def export() -> Export:
    def run(live: LiveState, sources: dict[str, str] | None = None, owner: str = "llmproxy") -> ExportResult:
        return build_export(live, sources or {}, owner)

    return run


@pytest.fixture()
def round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RoundTrip:
    """Export, write both files, load them with the real loader (every env var set), plan against
    the same live state, and check the plan only adopts: nothing to create, update or delete, no
    field to change except secrets (LiteLLM never shows them, so adoption re-sends them) and aliases
of aliases (noted by export: LiteLLM never resolved them, sync points them at the model group)."""

    def run(live: LiveState, sources: dict[str, str] | None = None,
            owner: str = "llmproxy") -> tuple[ExportResult, DesiredState, Plan]:
        result = build_export(live, sources or {}, owner)
        (tmp_path / "config.json").write_text(json.dumps(result.config))
        (tmp_path / "config.local.json").write_text(json.dumps(result.local))
        for var in result.env_vars:
            monkeypatch.setenv(var.name, f"value-of-{var.name}")
        desired = load_config(tmp_path / "config.json").desired
        plan = build_plan(desired, live, Fingerprinter("k"), PlanOptions(), capabilities=CAPABILITIES)
        chains = {n.split("'")[1] for n in result.notes if "points to the alias" in n}
        for change in plan.changes:
            if change.kind == "aliases" and change.key in chains:
                # LiteLLM resolves one alias level: a chain never worked, and sync repairs it.
                assert [f.after for f in change.fields] == [desired.aliases[change.key]]
                continue
            assert change.action is Action.ADOPT, change.to_json()
            assert all(f.sensitive for f in change.fields), change.to_json()
        assert not plan.conflicts and not plan.broken_refs and not plan.pending_prune
        return result, desired, plan

    return run
