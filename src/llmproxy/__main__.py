"""``python -m llmproxy`` runs the CLI."""

from llmproxy.cli.main import run

run()
