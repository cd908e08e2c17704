"""Shared pieces of the fuzz tests: settings, loading a config from files, checking a ConfigError.

Runs are derandomized (the same examples every run, for CI). Locally,
``LLMPROXY_FUZZ_RANDOM=1`` explores new examples and ``LLMPROXY_FUZZ_SCALE=10`` runs ten times
as many.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from llmproxy.config import LoadedConfig, load_config
from llmproxy.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
SECRET_VAR, SECRET_VALUE = "LLMPROXY_FUZZ_SECRET", "sk-fuzz-resolved-secret-7f3a9c"
UNSET_VAR = "LLMPROXY_FUZZ_UNSET"


def fuzz_settings(examples: int) -> settings:
    scale = float(os.environ.get("LLMPROXY_FUZZ_SCALE", "1"))
    return settings(max_examples=max(1, int(examples * scale)), deadline=None, database=None,
                    derandomize=not os.environ.get("LLMPROXY_FUZZ_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def wildcard_match(pattern: str, name: str) -> bool:
    """``*`` matches any run of characters, nothing else is special, and the pattern is anchored
    at the start only: LiteLLM's rule (``re.match`` of the pattern as a regex)."""
    return re.match(".*".join(map(re.escape, pattern.split("*"))), name) is not None


def oracle_resolve(name: str, models: set[str] | None, aliases: dict[str, str]) -> str | None:
    """Where LiteLLM ends up for ``name``: exact alias, exact model, then the most specific pattern
    (longest regex) among wildcard aliases and pattern model names; a loop gives None."""
    patterns = {p for p in [*aliases, *(models or ())] if "*" in p}
    seen: set[str] = set()
    while name not in seen:
        seen.add(name)
        if name in aliases and "*" not in name:
            name = aliases[name]
            continue
        if models is None or name in models:
            return name
        matching = sorted((p for p in patterns if wildcard_match(p, name)),
                          key=lambda p: (len(re.escape(p).replace(r"\*", "(.*)")), p), reverse=True)
        if not matching:
            return None
        if matching[0] not in aliases:
            return name
        name = aliases[matching[0]]
    return None


class ConfigDir:
    """A directory holding config.json, config.local.json and an empty .env (so a developer's own
    ``./.env`` never leaks into the run), loaded with one variable set and one unset."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="llmproxy-fuzz-"))
        self.config = self.root / "config.json"
        self.local = self.root / "config.local.json"
        self.env_file = self.root / ".env"
        self.env_file.write_text("")

    def load(self, base: Any, overlay: Any = None) -> LoadedConfig | ConfigError:
        """The loaded config or the ConfigError; any other exception propagates (and fails)."""
        self.config.write_text(json.dumps(base))
        if overlay is None:
            self.local.unlink(missing_ok=True)
        else:
            self.local.write_text(json.dumps(overlay))
        with _environment():
            try:
                return load_config(self.config, env_file=self.env_file)
            except ConfigError as exc:
                return exc

    def files(self) -> set[str]:
        return {str(self.config), str(self.local)}

    def remove(self) -> None:
        for path in (self.config, self.local, self.env_file):
            path.unlink(missing_ok=True)
        self.root.rmdir()


@contextmanager
def _environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (SECRET_VAR, UNSET_VAR)}
    os.environ[SECRET_VAR] = SECRET_VALUE
    os.environ.pop(UNSET_VAR, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_FIRST_SEGMENT = re.compile(r'^(?:([A-Za-z0-9_$*/@:+-]+)|\[("(?:[^"\\]|\\.)*")\])')


def top_key(path: str) -> str | None:
    """The top-level key a formatted JSON path (``providers.a.models["x.y"]``) starts with."""
    match = _FIRST_SEGMENT.match(path)
    if match is None:
        return None
    return match.group(1) if match.group(1) is not None else json.loads(match.group(2))


def check_config_error(error: ConfigError, files: set[str], top_keys: set[str]) -> str:
    """Every issue says what is wrong, in which file and where (a JSON path into a section the
    documents have); returns all issues as one text, for checks of what they name."""
    assert error.issues, "a ConfigError without issues"
    for issue in error.issues:
        assert issue.message.strip(), f"issue without a message: {issue!r}"
        assert issue.file in files, f"issue names no config file: {issue!r}"
        assert issue.path, f"issue without a JSON path: {issue!r}"
        assert top_key(issue.path) in top_keys, f"issue path outside the documents: {issue!r}"
    return "\n".join(str(issue) for issue in error.issues)
