"""``load_config``: files -> merged document -> validated config -> desired state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmproxy.config.access_compile import compile_access
from llmproxy.config.compile import compile_resources
from llmproxy.config.discovery import ModelLister, discover_models, http_lister
from llmproxy.config.envvars import Environment, resolve_env
from llmproxy.config.extend import resolve_extends
from llmproxy.config.fallback_refs import expand_fallbacks
from llmproxy.config.guardrails import compile_guardrails
from llmproxy.config.keys_compile import compile_keys
from llmproxy.config.layers import ConfigArg, Layers, fail_if, read_layers
from llmproxy.config.merge import strip_directives
from llmproxy.config.model_aliases import apply_model_aliases, directive_issues
from llmproxy.config.paths import JsonPath
from llmproxy.config.provider_models import expand_provider_models
from llmproxy.config.public_hub import derived_public_groups
from llmproxy.config.references import check_references
from llmproxy.config.routing import compile_routing, duplicate_issues, hide_aliases
from llmproxy.config.schema_errors import check
from llmproxy.desired.model import DEFAULT_OWNER, DesiredState
from llmproxy.errors import ConfigError, ConfigIssue
from llmproxy.redaction import register_secrets


@dataclass(frozen=True)
class LoadedConfig:
    desired: DesiredState
    #: Defaults for ``llmproxy keys create``: key_policy.defaults (or the deprecated "keys" defaults form).
    key_defaults: dict[str, Any] = field(default_factory=dict)
    #: Safety thresholds from the optional "sync" section ({} when absent).
    sync_policy: dict[str, Any] = field(default_factory=dict)
    #: Deprecations and other notes about the config, for stderr.
    notes: list[str] = field(default_factory=list)
    #: The files actually read: the config, the local file if any, the env file if a ${VAR} needed it.
    files: list[Path] = field(default_factory=list)


Resolved = tuple[dict[str, Any], dict[JsonPath, JsonPath], dict[JsonPath, str], list[ConfigIssue]]


def _resolve_document(layers: Layers, env: Environment, lister: ModelLister | None) -> Resolved:
    """Merged, ``${VAR}``-resolved, inheritance applied, models discovered (by ``lister``, unless
    None) and expanded, directives stripped; where each model came from, where each discovered one
    was listed, and the missing variables.

    Missing variables are returned (they do not stop the other checks); a broken ``$extend``
    raises at once, since everything downstream of it would only add noise.
    """
    merged, env_issues = resolve_env(layers.merged(), env, layers.file_for)
    sources: dict[JsonPath, JsonPath] = {}
    discovered_at: dict[JsonPath, str] = {}
    if isinstance(merged.get("providers"), dict):
        providers = {k: v for k, v in merged["providers"].items() if isinstance(v, dict)}
        providers, extend_issues = resolve_extends(providers, layers.file_for)
        if extend_issues:
            raise ConfigError(env_issues + extend_issues)
        found, discovery_issues = discover_models(providers, lister, env, layers.file_for) \
            if lister is not None else ({}, [])
        if discovery_issues:  # what follows would only miss the models discovery did not read
            raise ConfigError(env_issues + discovery_issues)
        merged["providers"], sources = expand_provider_models(
            providers, {where: d.ids for where, d in found.items()})
        discovered_at = {("providers", p, "interfaces", i, "models", model_id): d.url
                         for (p, i), d in found.items() for model_id in d.ids}
    env_issues += expand_fallbacks(merged, layers) + directive_issues(merged, layers.file_for)
    return strip_directives(merged), sources, discovered_at, env_issues


def load_config(config: ConfigArg = None, local: Path | None = None,
                env_file: Path | None = None, *, lister: ModelLister | None = None,
                discover: bool = True) -> LoadedConfig:
    """Load, merge, resolve and validate; raise ``ConfigError`` with every issue found.

    ``config``: one file or several layers in order (see ``layers``); None for ./config.json.
    ``lister`` reads the model lists of providers that discover their models (default: over HTTP);
    ``discover=False`` reads none (for callers that do not need the deployments, such as key
    defaults): the discovered models are then missing from the result.
    """
    layers = read_layers(config, local, env_file)
    fail_if(layers.issues)
    env = Environment(layers.env_file)
    document, sources, discovered_at, env_issues = _resolve_document(
        layers, env, (lister or http_lister()) if discover else None)
    # Secrets written literally (config.local.json) are as secret as ${VAR} values.
    register_secrets(document)

    validated, issues = check(document, layers.file_for)
    if validated is None:
        raise ConfigError(env_issues + issues)
    hidden = validated.aliases.hidden_names() if validated.aliases is not None else frozenset()
    credentials, deployments, compile_issues = compile_resources(validated, sources, layers.file_for,
                                                                 discovered_at)
    validated, deployments, clone_issues = apply_model_aliases(validated, deployments, layers.file_for)
    compile_issues += clone_issues
    aliases, fallbacks, reference_issues = check_references(validated, deployments, layers.file_for)
    routing = compile_routing(deployments, aliases, fallbacks, layers.file_for)
    teams, users, access_issues = compile_access(validated, layers.file_for)
    access = compile_keys(validated.keys, validated.key_policy, layers.file_for)
    guardrails, public_groups, guardrail_issues = compile_guardrails(
        validated, layers.file_for, aliases, derived=derived_public_groups(validated, deployments))
    fail_if(env_issues + compile_issues + reference_issues + routing.issues + access_issues + access.issues
            + guardrail_issues
            + duplicate_issues(routing.pattern_deployments, deployments, layers.file_for))
    if deployments is not None:
        deployments = deployments + tuple(routing.pattern_deployments)
    router = validated.router_settings

    desired = DesiredState(
        owner=validated.owner or DEFAULT_OWNER,
        credentials=credentials,
        deployments=deployments,
        aliases=hide_aliases(routing.aliases, hidden),
        fallbacks=tuple(routing.fallbacks) if routing.fallbacks is not None else None,
        router_settings=router.model_dump(exclude_none=True) if router is not None else None,
        teams=teams,
        users=users,
        keys=access.keys, key_policy=access.policy,
        guardrails=guardrails,
        public_model_groups=public_groups,
    )
    files = layers.files
    if env.file_was_read and layers.env_file is not None:
        files.append(layers.env_file)
    sync_policy = validated.sync.model_dump(exclude_none=True) if validated.sync is not None else {}
    return LoadedConfig(desired, access.create_defaults, sync_policy=sync_policy, notes=access.notes, files=files)
