"""``${NAME}`` substitution: process environment first, then the ``.env`` file (read as the shell does).

``os.environ/NAME`` is LiteLLM's own convention ("the proxy resolves it") and passes through
unchanged. ``$${`` writes a literal ``${``. Every resolved value is registered with the redactor,
and no message ever contains one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from llmproxy.config.paths import FileFor, format_path
from llmproxy.dotenv_file import read_dotenv
from llmproxy.errors import ConfigIssue
from llmproxy.redaction import redactor

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}?")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Environment:
    """Variable lookup: the process environment wins over the env file, read only when needed."""

    def __init__(self, env_file: Path | None, environ: Mapping[str, str] | None = None) -> None:
        self.env_file = env_file
        self._environ = os.environ if environ is None else environ
        self._file_values: dict[str, str | None] | None = None

    @property
    def file_was_read(self) -> bool:
        return self._file_values is not None

    def get(self, name: str) -> str | None:
        if name in self._environ:
            return self._environ[name]
        if self.env_file is None:
            return None
        if self._file_values is None:
            self._file_values = read_dotenv(self.env_file)
        return self._file_values.get(name)

    def where(self) -> str:
        return f"the process environment and {self.env_file}" if self.env_file \
            else "the process environment; there is no .env file"


def _substitute(text: str, env: Environment, report: Callable[[str], None]) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        name = match.group(1)
        if not whole.endswith("}") or not _NAME.match(name):
            report(f"invalid variable reference {whole!r}: use ${{NAME}} with letters, digits "
                   f"and '_' (write $${{ for a literal ${{)")
            return whole
        value = env.get(name)
        if value is None:
            report(f"environment variable {name} is not set (looked in {env.where()})")
            return whole
        redactor.add(value, name)
        return value

    return _REFERENCE.sub(replace, text)


def resolve_env(doc: Any, env: Environment, file_for: FileFor) -> tuple[Any, list[ConfigIssue]]:
    """A copy of ``doc`` with every ``${NAME}`` in string values replaced, and the problems found.

    An unresolved reference is left as written, so later checks (such as "provider without
    api_key") do not pile up on top of the missing-variable message.
    """
    issues: list[ConfigIssue] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            def report(message: str) -> None:
                issues.append(ConfigIssue(message, format_path(path), file_for(path)))

            return _substitute(value, env, report)
        return value

    return walk(doc, ()), issues
