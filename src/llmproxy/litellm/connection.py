"""Where LiteLLM is and which key to use: flags > process environment > .env file."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from llmproxy.dotenv_file import read_dotenv
from llmproxy.errors import LLMProxyError
from llmproxy.redaction import redactor

#: Seconds per HTTP request unless --timeout says otherwise.
DEFAULT_TIMEOUT = 30.0
# A bearer token is sent in an HTTP header: visible ASCII only, no whitespace.
_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class ConnectionSettings:
    base_url: str
    api_key: str = ""
    fingerprint_key: str | None = None  # LLMPROXY_FINGERPRINT_KEY (environment, then .env)
    actor: str | None = None  # LLMPROXY_ACTOR (environment, then .env)

    def __repr__(self) -> str:  # never show the key
        return f"ConnectionSettings(base_url={self.base_url!r}, api_key=<redacted>)"


def check_api_key(key: str, source: str) -> None:
    """Refuse a key that cannot be sent as a header, without ever showing it."""
    if not _TOKEN.fullmatch(key):
        raise LLMProxyError(
            f"{source} contains spaces, line breaks or non-ASCII characters "
            f"({len(key)} characters; the key itself is not shown)",
            hint="check for a stray newline or quote around the key",
        )


def _read_env_file(env_file: Path | None) -> dict[str, str | None]:
    path = env_file if env_file is not None else Path(".env")
    if not path.is_file():
        if env_file is not None:
            raise LLMProxyError(f"env file not found: {env_file}",
                                hint="pass an existing file to --env-file, or leave it out")
        return {}
    try:
        return read_dotenv(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LLMProxyError(f"cannot read env file {path}: {type(exc).__name__}") from None


def _safe_url(url: str) -> str:
    """The URL for a message: any ``user:password@`` part hidden."""
    return re.sub(r"//[^/?#]*@", "//<credentials>@", url)


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a malformed IPv6 host or a port that is not a number in range
        return False


#: ``--api-key-file`` of this command (set by the CLI option's callback), else None.
key_file_option: list[Path] = []


def read_key_file(path: Path, source: str) -> str:
    """The admin key from a file (``-``: standard input), without its trailing newline."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LLMProxyError(f"{source}: cannot read the admin key from {path}: "
                            f"{getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    key = text.strip()
    if not key:
        raise LLMProxyError(f"{source}: {path} is empty")
    return key


def resolve_connection(base_url: str | None, api_key: str | None,
                       env_file: Path | None = None) -> ConnectionSettings:
    """Pick the connection from flags, then the process environment, then ``.env``.

    An empty or blank value at one level counts as not set there, so the next level is used.
    """
    file_env = _read_env_file(env_file)

    def pick(flag: str | None, name: str) -> tuple[str | None, str]:
        flag_name = "--" + name.removeprefix("LITELLM_").lower().replace("_", "-")
        for value, source in ((flag, flag_name), (os.environ.get(name), name),
                              (file_env.get(name), f"{name} in {env_file or '.env'}")):
            if value and value.strip():
                return value.strip(), source
        return None, ""

    url, url_source = pick(base_url, "LITELLM_BASE_URL")
    key, key_source = pick(api_key, "LITELLM_API_KEY")
    if not api_key and key_file_option:  # --api-key-file beats the environment
        key, key_source = read_key_file(key_file_option[-1], "--api-key-file"), "--api-key-file"
    elif not key:
        file_name, file_source = pick(None, "LITELLM_API_KEY_FILE")
        if file_name:
            key, key_source = read_key_file(Path(file_name), file_source), file_source
    if not url:
        raise LLMProxyError(
            "no LiteLLM URL given",
            hint="pass --base-url or set LITELLM_BASE_URL (environment or .env)",
        )
    if not _is_http_url(url):
        raise LLMProxyError(
            f"{url_source}: the LiteLLM URL must look like http://host:port or https://host, "
            f"got {_safe_url(url)!r}")
    if not key:
        raise LLMProxyError(
            "no LiteLLM admin key given",
            hint="pass --api-key or set LITELLM_API_KEY to the master key (environment or .env)",
        )
    redactor.add(key)
    check_api_key(key, key_source)
    fingerprint_key, _ = pick(None, "LLMPROXY_FINGERPRINT_KEY")
    redactor.add(fingerprint_key)
    actor, _ = pick(None, "LLMPROXY_ACTOR")
    return ConnectionSettings(base_url=url.rstrip("/"), api_key=key, fingerprint_key=fingerprint_key, actor=actor)
