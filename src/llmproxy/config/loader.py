"""``load_config``: files -> merged document -> validated config -> desired state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmproxy.config.compile import compile_resources
from llmproxy.config.envvars import Environment, resolve_env
from llmproxy.config.extend import resolve_extends
from llmproxy.config.files import ConfigPaths, locate, read_json
from llmproxy.config.guardrails import compile_guardrails
from llmproxy.config.merge import Origins, merge, strip_directives
from llmproxy.config.paths import FileFor, JsonPath
from llmproxy.config.provider_models import expand_provider_models
from llmproxy.config.references import check_references
from llmproxy.config.routing import compile_routing, duplicate_issues
from llmproxy.config.schema_errors import check
from llmproxy.desired.model import DEFAULT_OWNER, DesiredState
from llmproxy.errors import ConfigError, ConfigIssue
from llmproxy.redaction import register_secrets


@dataclass(frozen=True)
class LoadedConfig:
    desired: DesiredState
    #: Defaults for ``llmproxy keys create`` from the optional "keys" section; {} when absent.
    key_defaults: dict[str, Any] = field(default_factory=dict)
    #: Safety thresholds from the optional "sync" section ({} when absent).
    sync_policy: dict[str, Any] = field(default_factory=dict)
    #: The files actually read: the config, the local file if any, the env file if a ${VAR} needed it.
    files: list[Path] = field(default_factory=list)


def _always(file_name: str) -> FileFor:
    """A ``file_for`` that names one file whatever the JSON path."""
    return lambda _loc: file_name


def _fail_if(issues: list[ConfigIssue]) -> None:
    if issues:
        raise ConfigError(issues)


def _read_documents(paths: ConfigPaths) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Both files, each parsed and checked on its own, so every issue names the right file."""
    issues: list[ConfigIssue] = []
    docs: list[dict[str, Any] | None] = []
    for path in (paths.config, paths.local):
        if path is None:
            docs.append(None)
            continue
        doc, read_issues = read_json(path)
        issues += read_issues
        if doc is not None:
            issues += check(doc, _always(str(path)))[1]
        docs.append(doc)
    _fail_if(issues)
    base, local = docs
    assert base is not None  # read_json reported why otherwise
    return base, local


def _resolve_document(base: dict[str, Any], local: dict[str, Any] | None, origins: Origins,
                      env: Environment) -> tuple[dict[str, Any], dict[JsonPath, JsonPath], list[ConfigIssue]]:
    """Merged, ``${VAR}``-resolved, inheritance applied, models expanded, directives stripped.

    Missing variables are returned (they do not stop the other checks); a broken ``$extend``
    raises at once, since everything downstream of it would only add noise.
    """
    merged = merge(base, local) if local is not None else base
    merged, env_issues = resolve_env(merged, env, origins.file_for)
    sources: dict[JsonPath, JsonPath] = {}
    if isinstance(merged.get("providers"), dict):
        providers = {k: v for k, v in merged["providers"].items() if isinstance(v, dict)}
        providers, extend_issues = resolve_extends(providers, origins.file_for)
        if extend_issues:
            raise ConfigError(env_issues + extend_issues)
        merged["providers"], sources = expand_provider_models(providers)
    return strip_directives(merged), sources, env_issues


def load_config(config: Path | None = None, local: Path | None = None,
                env_file: Path | None = None) -> LoadedConfig:
    """Load, merge, resolve and validate; raise ``ConfigError`` with every issue found."""
    paths, issues = locate(config, local, env_file)
    _fail_if(issues)
    base, local_doc = _read_documents(paths)
    origins = Origins(paths.config, paths.local, local_doc)
    env = Environment(paths.env_file)
    document, sources, env_issues = _resolve_document(base, local_doc, origins, env)
    # Secrets written literally (config.local.json) are as secret as ${VAR} values.
    register_secrets(document)

    validated, issues = check(document, origins.file_for)
    if validated is None:
        raise ConfigError(env_issues + issues)
    credentials, deployments, compile_issues = compile_resources(validated, sources, origins.file_for)
    aliases, fallbacks, reference_issues = check_references(validated, deployments, origins.file_for)
    routing = compile_routing(deployments, aliases, fallbacks, origins.file_for)
    guardrails, public_groups, guardrail_issues = compile_guardrails(validated, origins.file_for, aliases)
    _fail_if(env_issues + compile_issues + reference_issues + routing.issues + guardrail_issues
             + duplicate_issues(routing.pattern_deployments, deployments, origins.file_for))
    if deployments is not None:
        deployments = deployments + tuple(routing.pattern_deployments)
    router = validated.router_settings

    desired = DesiredState(
        owner=validated.owner or DEFAULT_OWNER,
        credentials=credentials,
        deployments=deployments,
        aliases=routing.aliases,
        fallbacks=tuple(routing.fallbacks) if routing.fallbacks is not None else None,
        router_settings=router.model_dump(exclude_none=True) if router is not None else None,
        guardrails=guardrails,
        public_model_groups=public_groups,
    )
    key_defaults = validated.keys.model_dump(exclude_none=True) if validated.keys is not None else {}
    files = [p for p in (paths.config, paths.local) if p is not None]
    if env.file_was_read and paths.env_file is not None:
        files.append(paths.env_file)
    sync_policy = validated.sync.model_dump(exclude_none=True) if validated.sync is not None else {}
    return LoadedConfig(desired, key_defaults, sync_policy=sync_policy, files=files)
