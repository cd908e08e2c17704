"""Where LiteLLM is and which key to use: flags > process environment > .env file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from llmproxy.errors import LLMProxyError
from llmproxy.secrets import redactor


@dataclass(frozen=True)
class ConnectionSettings:
    base_url: str
    api_key: str = ""

    def __repr__(self) -> str:  # never show the key
        return f"ConnectionSettings(base_url={self.base_url!r}, api_key=<redacted>)"


def resolve_connection(base_url: str | None, api_key: str | None,
                       env_file: Path | None = None) -> ConnectionSettings:
    """Pick the connection from flags, then the process environment, then ``.env``."""
    file_env: dict[str, str | None] = {}
    path = env_file if env_file is not None else Path(".env")
    if path.is_file():
        file_env = dotenv_values(path)
    elif env_file is not None:
        raise LLMProxyError(f"env file not found: {env_file}")

    def pick(flag: str | None, name: str) -> str | None:
        if flag:
            return flag
        return os.environ.get(name) or file_env.get(name) or None

    url = pick(base_url, "LITELLM_BASE_URL")
    key = pick(api_key, "LITELLM_API_KEY")
    if not url:
        raise LLMProxyError(
            "no LiteLLM URL given",
            hint="pass --base-url or set LITELLM_BASE_URL (environment or .env)",
        )
    if not url.startswith(("http://", "https://")):
        raise LLMProxyError(f"LiteLLM URL must start with http:// or https://, got {url!r}")
    if not key:
        raise LLMProxyError(
            "no LiteLLM admin key given",
            hint="pass --api-key or set LITELLM_API_KEY to the master key (environment or .env)",
        )
    redactor.add(key)
    return ConnectionSettings(base_url=url.rstrip("/"), api_key=key)
