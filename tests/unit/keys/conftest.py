"""Fixtures: a respx-served fake LiteLLM, a client for it, and the real CLI entry point in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import respx

from llmproxy.cli import main
from llmproxy.litellm.client import LiteLLMClient
from tests.unit.keys.fake import BASE, MASTER, FakeLiteLLM


@pytest.fixture()
def fake() -> Iterator[FakeLiteLLM]:
    with respx.mock(assert_all_called=False) as router:
        yield FakeLiteLLM(router)


@pytest.fixture()
def client(fake: FakeLiteLLM) -> Iterator[LiteLLMClient]:
    with LiteLLMClient(BASE, MASTER, sleep=lambda _: None) as c:
        yield c


@dataclass
class Result:
    code: int
    out: str
    err: str



@pytest.fixture()
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> Callable[..., Result]:
    """``llmproxy keys ARGS`` through ``main.run`` (error handling, exit codes), no TTY, no config."""
    app = main.create_app()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITELLM_BASE_URL", BASE)
    monkeypatch.setenv("LITELLM_API_KEY", MASTER)

    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["llmproxy", "keys", *args])
        with pytest.raises(SystemExit) as exit_info:
            main.run(app)
        out, err = capsys.readouterr()
        return Result(int(exit_info.value.code or 0), out, err)

    return run
