"""The project's own error types.

Every error a user can cause (bad config, unreachable server, rejected key, ...) is raised as an
``LLMProxyError`` subclass. The CLI turns these into one clear message and a non-zero exit; any
other exception is a bug in llmproxy.
"""

from __future__ import annotations

from dataclasses import dataclass


class LLMProxyError(Exception):
    """Base class: a problem the user can act on. ``hint`` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in the config: where (file + JSON path) and what."""

    message: str
    path: str = ""  # JSON path such as "providers.antigravity-manager.api_key"
    file: str | None = None

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file or "", self.path) if p)
        return f"{where}: {self.message}" if where else self.message


class ConfigError(LLMProxyError):
    """The config could not be loaded or is invalid. Carries every issue found, not only the first."""

    def __init__(self, issues: list[ConfigIssue] | ConfigIssue | str, hint: str | None = None) -> None:
        if isinstance(issues, str):
            issues = [ConfigIssue(issues)]
        elif isinstance(issues, ConfigIssue):
            issues = [issues]
        self.issues = list(issues)
        count = len(self.issues)
        head = "invalid config" if count == 1 else f"invalid config ({count} errors)"
        super().__init__(head + ":\n" + "\n".join(f"  - {i}" for i in self.issues), hint)


class ConnectionFailed(LLMProxyError):
    """LiteLLM could not be reached (DNS, refused, timeout, TLS)."""


class AuthError(LLMProxyError):
    """LiteLLM rejected the key (401/403)."""


class ServerError(LLMProxyError):
    """LiteLLM answered with an error we cannot work around."""

    def __init__(self, message: str, hint: str | None = None, status: int | None = None,
                 endpoint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.endpoint = endpoint


class NotFound(ServerError):
    """The addressed object does not exist (404, or LiteLLM's 400 'not found')."""


class Conflict(ServerError):
    """The object already exists (409)."""


class UnexpectedResponse(ServerError):
    """LiteLLM answered 2xx but with a shape we do not understand."""


class PlanRefused(LLMProxyError):
    """The plan cannot be applied as it is (unsafe, broken references, checksum mismatch)."""


class Aborted(LLMProxyError):
    """The user declined a confirmation, or confirmation was needed but impossible."""
