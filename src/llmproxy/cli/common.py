"""Options and helpers shared by every command."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.segment import Segment

from llmproxy.litellm.connection import key_file_option
from llmproxy.redaction import redactor


class ScrubbingConsole(Console):
    """A console that cannot print a secret: every registered secret value (``${VAR}`` values,
    secret fields of the config, the admin key, minted keys) and every URL password is replaced
    in the rendered text, whatever printed it. (The one-time minted key is written to stdout
    directly, not through a console.)"""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:  # rich's single exit for text
        return redactor.scrub(super()._render_buffer(buffer))


# Everything that is not the command's result goes to stderr, so stdout stays pipeable.
err = ScrubbingConsole(stderr=True, highlight=False, soft_wrap=True)
out = ScrubbingConsole(highlight=False, soft_wrap=True)

ConfigOpt = Annotated[list[Path] | None, typer.Option(
    "--config", "-c", show_default=False,
    help="Config file [default: ./config.json]. Repeat to merge several in order (later ones win; "
         "each one's .local.json beside it is merged after all of them).")]
LocalOpt = Annotated[Path | None, typer.Option(
    "--local", help="Override file deep-merged over the base [default: <config>.local.json beside it; "
                    "with several --config, the first one's].",
    show_default=False)]
EnvFileOpt = Annotated[Path | None, typer.Option(
    "--env-file", help="dotenv file for ${VAR} and connection settings [default: ./.env].",
    show_default=False)]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", metavar="URL", help="LiteLLM URL [env: LITELLM_BASE_URL].", show_default=False)]
ApiKeyOpt = Annotated[str | None, typer.Option(
    "--api-key", metavar="KEY", show_default=False,
    help="LiteLLM master or proxy-admin key [env: LITELLM_API_KEY]. Visible to other users in `ps`: "
         "prefer --api-key-file or the environment.")]


def _key_file(value: Path | None) -> Path | None:
    if value is not None:
        key_file_option.append(value)
    return value


ApiKeyFileOpt = Annotated[Path | None, typer.Option(
    "--api-key-file", metavar="PATH", show_default=False, callback=_key_file, expose_value=False,
    help="Read the admin key from PATH ('-': standard input) [env: LITELLM_API_KEY_FILE].")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Seconds per HTTP request.",
                                           min=1.0)]


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def interactive() -> bool:
    """A person at a terminal (never in CI, never without a TTY on stdin and stderr)."""
    return not is_ci() and sys.stdin.isatty() and sys.stderr.isatty()
