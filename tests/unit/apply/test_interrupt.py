"""Ctrl-C during ``sync`` says what was applied and what was not (issue 15, item 13)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import typer

from llmproxy.cli import plan_cmds
from llmproxy.desired.model import DesiredState
from llmproxy.litellm.client import LiteLLMClient
from tests.unit.apply.fake import FakeAdmin
from tests.unit.apply.test_manager_sync import MODELS, A, manager


class _InterruptAfter:
    def __init__(self, n: int) -> None:
        self.n = n

    def outcome(self, _o: Any) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_an_interrupted_sync_lists_applied_and_pending_changes(
        client: LiteLLMClient, fake: FakeAdmin, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    desired = DesiredState(credentials=(A,), deployments=MODELS[:4])

    @contextmanager
    def reporter(_total: int) -> Iterator[_InterruptAfter]:
        yield _InterruptAfter(2)  # Ctrl-C arrives after the second outcome

    monkeypatch.setattr(plan_cmds, "progress_reporter", reporter)
    monkeypatch.setattr(plan_cmds.Manager, "open", classmethod(lambda cls, **kw: manager(client, desired)))
    with pytest.raises(typer.Exit) as info:
        plan_cmds.sync_cmd(yes=True, only=None, output=plan_cmds.SyncFormat.json)
    assert info.value.exit_code == 130
    err = capsys.readouterr().err
    assert "interrupted: 2 of 5 change(s) applied" in err
    assert err.count("  applied ") == 2 and err.count("  not applied ") == 3
    assert "run `llmproxy plan`" in err
