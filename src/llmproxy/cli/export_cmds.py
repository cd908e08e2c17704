"""``llmproxy export``: write the live LiteLLM as config.json + config.local.json (read-only)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from llmproxy.cli.common import ApiKeyFileOpt, ApiKeyOpt, BaseUrlOpt, EnvFileOpt, TimeoutOpt, err, out
from llmproxy.config.base import OWNER_PATTERN
from llmproxy.desired.model import DEFAULT_OWNER
from llmproxy.errors import LLMProxyError
from llmproxy.export import ExportResult, build_export, read_for_export
from llmproxy.litellm.client import open_client
from llmproxy.litellm.connection import DEFAULT_TIMEOUT

FILES = ("config.json", "config.local.json")


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str, mode: int) -> None:
    """Write ``text`` to a temporary file beside ``path`` (created with ``mode``: the local file is
    0600 from its first byte), then rename it over ``path``: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write(directory: Path, result: ExportResult, force: bool) -> list[Path]:
    paths = [directory / name for name in FILES]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise LLMProxyError(f"{' and '.join(existing)} already exist(s); export does not overwrite",
                            hint="pick another directory with -o, or pass --force to overwrite")
    if directory.exists() and not directory.is_dir():
        raise LLMProxyError(f"-o {directory}: not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, data, mode in zip(paths, (result.config, result.local), (0o644, 0o600), strict=True):
            write_atomic(path, _json(data), mode)
    except OSError as exc:
        raise LLMProxyError(f"cannot write to {directory}: {exc.strerror or exc}") from None
    return paths


def _report(result: ExportResult, written: list[Path] | None) -> None:
    def say(text: str = "") -> None:
        err.print(text, markup=False, highlight=False)

    if written:
        say(f"Wrote {written[0]} and {written[1]}: {result.summary()}.")
    else:
        say(f"Exported {result.summary()}.")
        if result.local:
            say("config.local.json (not written with -o -; it holds references, no secrets):")
            say(_json(result.local).rstrip())
    if result.env_vars:
        say("Set these variables (environment or .env) before plan / sync; LiteLLM never returns secrets:")
        width = max(len(v.name) for v in result.env_vars)
        for var in result.env_vars:
            say(f"  {var.name:<{width}}  {var.purpose}")
    for note in result.notes:
        say(f"note: {note}")
    target = f" --config {written[0]}" if written else ""
    say(f"Next: llmproxy plan{target}  (expect only adoptions), then llmproxy sync{target}")


def export_cmd(
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="DIR|-",
        help="Write DIR/config.json and DIR/config.local.json; '-' prints config.json to stdout.")] = "-",
    owner: Annotated[str, typer.Option(
        "--owner", help="Owner the config will manage as; objects of other owners are left out.")] = DEFAULT_OWNER,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files in DIR.")] = False,
    env_file: EnvFileOpt = None, base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Describe the live LiteLLM as a config (credentials, DB models, aliases, fallbacks, router
    settings). Read-only. Secrets are never exported: config.local.json gets ${VAR} references."""
    if not re.match(OWNER_PATTERN, owner):
        raise LLMProxyError(f"--owner {owner!r}: use 1 to 64 letters, digits, '.', '_' or '-'")
    client, _ = open_client(base_url, api_key, env_file, timeout=timeout)
    with client:
        live, sources = read_for_export(client)
    result = build_export(live, sources, owner)
    if output == "-":
        out.print(_json(result.config), markup=False, highlight=False, soft_wrap=True, end="")
        _report(result, None)
    else:
        _report(result, _write(Path(output), result, force))


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
