"""``validate``, ``render`` and ``schema``: the offline commands (nothing here talks to LiteLLM)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from llmproxy.cli.common import ConfigOpt, EnvFileOpt, LocalOpt, err, out
from llmproxy.config import load_config
from llmproxy.config.schema import ConfigFile
from llmproxy.pricing import offline_problems
from llmproxy.secrets import redactor

ShowSecretsOpt = Annotated[bool, typer.Option(
    "--show-secrets", help="Print secret values instead of redacting them.")]


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema of config.json, generated from the pydantic models."""
    schema = ConfigFile.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _print_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def validate(config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None) -> None:
    """Load, merge, resolve and check the config; print a summary or every error."""
    loaded = load_config(config, local, env_file)
    files = ", ".join(str(p) for p in loaded.files)
    out.print(f"valid: {loaded.desired.summary()} (owner {loaded.desired.owner}; read {files})",
              markup=False)
    # Offline, only what no cost map can price; `plan` checks against the proxy's own map.
    for problem in offline_problems(loaded.desired.deployments or ()):
        err.print(f"warning: {problem}", markup=False)


def render(config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
           show_secrets: ShowSecretsOpt = False) -> None:
    """Print the resolved desired state as JSON: the bodies llmproxy would send to LiteLLM."""
    loaded = load_config(config, local, env_file)
    text = _print_json(loaded.desired.to_json(show_secrets=show_secrets))
    typer.echo(text if show_secrets else redactor.scrub(text), nl=False)


def schema() -> None:
    """Print the JSON Schema of the config file (committed as config.schema.json)."""
    typer.echo(_print_json(config_json_schema()), nl=False)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("render")(render)
    app.command("schema")(schema)
