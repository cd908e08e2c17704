"""Entry point: ``llmproxy``. Commands live in sibling modules; ``create_app`` registers them (a
static list) and ``run`` turns every ``LLMProxyError`` into one clear message on stderr and a
non-zero exit (no traceback)."""

from __future__ import annotations

import sys

import typer
from rich.text import Text

from llmproxy import __version__
from llmproxy.cli import (
    config_cmds,
    export_cmds,
    keys_cmds,
    lock_cmds,
    metavars,
    plan_cmds,
    probe_cmds,
    status_cmds,
)
from llmproxy.cli.common import err
from llmproxy.errors import LLMProxyError
from llmproxy.redaction import redactor

#: Each module has ``register(app)``.
COMMANDS = (config_cmds,  # validate, render, schema
            plan_cmds,  # plan, sync
            keys_cmds,  # keys create|list|info|update|rotate|delete
            export_cmds,  # export
            status_cmds,  # status
            probe_cmds,  # probe
            lock_cmds)  # unlock


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmproxy {__version__}")
        raise typer.Exit()


def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """llmproxy reconciles a running LiteLLM proxy with config.json (+ config.local.json)."""


def create_app() -> typer.Typer:
    """The ``llmproxy`` command with every subcommand registered."""
    metavars.install()
    app = typer.Typer(
        name="llmproxy",
        help="Configuration as code for a self-hosted LiteLLM gateway: validate, plan, sync, keys.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for module in COMMANDS:
        module.register(app)
    return app


def report_error(exc: LLMProxyError) -> None:
    line = Text("error: ", style="bold red")
    line.append(redactor.scrub(exc.message))  # plain text: names like "[x]" are not markup
    err.print(line, highlight=False)
    if exc.hint:
        err.print(f"  hint: {redactor.scrub(exc.hint)}", markup=False)


def run(app: typer.Typer | None = None) -> None:
    app = app or create_app()
    try:
        # standalone_mode=False: click returns the exit code of typer.Exit instead of exiting.
        code = app(standalone_mode=False)
    except LLMProxyError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors
        try:  # typer >= 0.16 vendors click as typer._click (and does not install click)
            from typer._click.exceptions import ClickException
        except ImportError:  # pragma: no cover - older typer
            from click import ClickException  # type: ignore[import-not-found,no-redef,unused-ignore]

        if isinstance(exc, ClickException):
            exc.show()
            # Always 1: exit 2 means "changes pending" (plan --detailed-exitcode) or "drifting"
            # (status), and a mistyped flag must not look like either.
            sys.exit(1)
        raise
    sys.exit(code if isinstance(code, int) else 0)
