"""Helpers for the config tests: write config files, load them, run the CLI in-process."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from llmproxy.cli import main
from llmproxy.config import LoadedConfig, load_config
from llmproxy.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


def provider(**overrides: Any) -> dict[str, Any]:
    """A minimal valid provider: one anthropic interface, a resolved key."""
    base: dict[str, Any] = {"api_base": "http://gw:8045", "api_key": "sk-test-key-1234",
                            "interfaces": {"anthropic": {}}, "models": {}}
    base.update(overrides)
    return base


@dataclass
class Workspace:
    """A directory with config.json (+ config.local.json, .env) that tests write into."""

    root: Path

    def write(self, base: Any, overlay: Any = None, env: str | None = None, name: str = "config.json") -> Path:
        """Write ``base`` (and ``overlay`` as its sibling local file); str values are written as is."""
        path = self.root / name
        path.write_text(base if isinstance(base, str) else json.dumps(base))
        if overlay is not None:
            local_path = path.with_name(f"{path.stem}.local.json")
            local_path.write_text(overlay if isinstance(overlay, str) else json.dumps(overlay))
        if env is not None:
            (self.root / ".env").write_text(env)
        return path

    def load(self, base: Any = None, overlay: Any = None, env: str | None = None, **kwargs: Any) -> LoadedConfig:
        """Write the files (unless ``base`` is None) and load them; kwargs go to load_config."""
        if base is not None:
            self.write(base, overlay, env)
        kwargs.setdefault("config", self.root / "config.json")
        if (self.root / ".env").exists():
            kwargs.setdefault("env_file", self.root / ".env")
        return load_config(**kwargs)

    def issues(self, base: Any = None, overlay: Any = None, env: str | None = None, **kwargs: Any) -> list[str]:
        """The issues of a config that must not load, as ``file:path: message`` strings."""
        with pytest.raises(ConfigError) as caught:
            self.load(base, overlay, env, **kwargs)
        return [str(issue) for issue in caught.value.issues]


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``llmproxy ARGS`` through the real entry point (``main.run``) in this process."""
    app = main.create_app()

    def invoke(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["llmproxy", *args])
        with pytest.raises(SystemExit) as exited:
            main.run(app)
        captured = capsys.readouterr()
        code = exited.value.code
        return CliResult(code if isinstance(code, int) else 1, captured.out, captured.err)

    return invoke
