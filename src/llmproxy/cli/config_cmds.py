"""``validate``, ``render`` and ``schema``: the offline commands (nothing here talks to LiteLLM)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

import typer

from llmproxy.cli.common import ConfigOpt, EnvFileOpt, LocalOpt, err, out
from llmproxy.config import load_config
from llmproxy.config.discovery.report import discovery_lines
from llmproxy.config.schema import ConfigFile
from llmproxy.errors import LLMProxyError
from llmproxy.litellm.config_file import render_litellm_config
from llmproxy.pricing import offline_problems
from llmproxy.redaction import redactor

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
    for line in discovery_lines(loaded.desired.deployments or ()):
        out.print(f"  {line}", markup=False, highlight=False)
    # Offline, only what no cost map can price; `plan` checks against the proxy's own map.
    for problem in offline_problems(loaded.desired.deployments or ()):
        err.print(f"warning: {problem}", markup=False)


class RenderFormat(str, Enum):
    json = "json"
    litellm_config = "litellm-config"


def render(config: ConfigOpt = None, local: LocalOpt = None, env_file: EnvFileOpt = None,
           show_secrets: ShowSecretsOpt = False,
           fmt: Annotated[RenderFormat, typer.Option(
               "--format", "-f", help="json: the bodies llmproxy would send to LiteLLM's API; litellm-config: "
               "a LiteLLM config.yaml (model_list, credential_list, router_settings) for config-file mode, "
               "with os.environ/ references instead of secrets.")] = RenderFormat.json) -> None:
    """Print the resolved desired state: JSON request bodies, or a LiteLLM config.yaml."""
    loaded = load_config(config, local, env_file)
    if fmt is RenderFormat.litellm_config:
        if show_secrets:
            raise LLMProxyError("--show-secrets cannot be used with --format litellm-config: the file never "
                                "holds secrets (it refers to environment variables instead)")
        result = render_litellm_config(loaded.desired)
        typer.echo(redactor.scrub(result.yaml()), nl=False)
        if result.needs:
            err.print("Set these variables in LiteLLM's environment (their values are not written):",
                      markup=False)
            width = max(len(n.name) for n in result.needs)
            for need in result.needs:
                err.print(f"  {need.name:<{width}}  {need.purpose}", markup=False, highlight=False)
        return
    text = _print_json(loaded.desired.to_json(show_secrets=show_secrets))
    typer.echo(text if show_secrets else redactor.scrub(text), nl=False)


def schema() -> None:
    """Print the JSON Schema of the config file (committed as config.schema.json)."""
    typer.echo(_print_json(config_json_schema()), nl=False)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("render")(render)
    app.command("schema")(schema)
