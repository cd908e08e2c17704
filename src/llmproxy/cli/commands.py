"""The list of command modules. Each module has ``register(app)``."""

from __future__ import annotations

import importlib

import typer

MODULES = [
    "llmproxy.cli.config_cmds",  # validate, render, schema
    "llmproxy.cli.plan_cmds",  # plan, sync
    "llmproxy.cli.keys_cmds",  # keys create|list|info|update|rotate|delete
    "llmproxy.cli.export_cmds",  # export
    "llmproxy.cli.status_cmds",  # status
    "llmproxy.cli.probe_cmds",  # probe
]


def register(app: typer.Typer) -> None:
    for name in MODULES:
        importlib.import_module(name).register(app)
