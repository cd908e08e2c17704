"""Validated config -> credentials and model deployments (the provider form and literal models)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmproxy.config.litellm_fields import field_issues
from llmproxy.config.literal_credentials import compile_literal_credentials
from llmproxy.config.model_names import exposed_names
from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema import ConfigFile, LiteralDeployment
from llmproxy.config.schema_providers import Interface, ModelConfig, Provider
from llmproxy.desired.model import Credential, Deployment
from llmproxy.errors import ConfigIssue
from llmproxy.redaction import is_env_reference

#: interface -> (api_base suffix, LiteLLM credential_info.custom_llm_provider), as the seed scripts.
INTERFACE_API = {
    "openai": ("/v1", "OpenAI_Compatible"),
    "gemini": ("/v1beta", "Google_AI_Studio"),
    "anthropic": ("", "Anthropic"),
}


def join_api_base(api_base: str, suffix: str) -> str:
    """``api_base`` with ``suffix`` appended exactly once (``.../v1`` stays ``.../v1``)."""
    base = api_base.rstrip("/") or api_base
    tail = suffix.strip("/")
    if not tail or base.endswith(f"/{tail}"):
        return base
    return f"{base}/{tail}"


class Compiler:
    """Collects resources and issues while walking the validated config."""

    def __init__(self, config: ConfigFile, sources: dict[JsonPath, JsonPath], file_for: FileFor,
                 discovered: Mapping[JsonPath, str] | None = None) -> None:
        self.config = config
        self.sources = sources
        #: Model paths that discovery added -> the URL they were listed at.
        self.discovered = discovered or {}
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []
        self.credentials: list[Credential] = []
        self.deployments: list[tuple[Deployment, JsonPath]] = []
        self.base_models = dict(config.model_name_base_model_map.entries()) \
            if config.model_name_base_model_map else {}

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    # -- providers ---------------------------------------------------------------------------

    def provider(self, name: str, provider: Provider) -> None:
        interfaces = provider.interfaces.enabled() if provider.interfaces else []
        if not interfaces:
            return
        where: JsonPath = ("providers", name)
        if not provider.api_key:
            self.issue(f"provider {name!r} has interfaces but no api_key; set it in the local file, "
                       f'e.g. "api_key": "${{VAR}}" or "os.environ/VAR"', (*where, "api_key"))
            return
        for iface_name, iface in interfaces:
            suffix, llm_provider = INTERFACE_API[iface_name]
            api_base = iface.api_base or provider.api_base
            base_path = (*where, "interfaces", iface_name, "api_base") if iface.api_base else (*where, "api_base")
            if not api_base:
                self.issue(f"provider {name!r} has interfaces but no api_base", base_path)
                return
            if suffix and is_env_reference(api_base):
                self.issue(f"cannot append {suffix} for the {iface_name} interface to a proxy-side "
                           f'reference; write the URL or "${{VAR}}"', base_path)
                continue
            credential = f"{name}-{iface_name}"
            values = {"api_key": provider.api_key, "api_base": join_api_base(api_base, suffix)}
            # LiteLLM resolves os.environ/ in a deployment's litellm_params, never in a stored
            # credential (utils.load_credentials_from_list copies values as they are): references
            # go to every deployment, which wins over the credential for the keys it sets.
            proxy_side = {k: v for k, v in values.items() if is_env_reference(v)}
            self.credentials.append(Credential(
                name=credential,
                values={k: v for k, v in values.items() if k not in proxy_side},
                info={"custom_llm_provider": llm_provider},
                source=format_path((*where, "interfaces", iface_name)),
            ))
            self.interface_models(name, provider, iface_name, iface, credential, proxy_side)

    def interface_models(self, name: str, provider: Provider, iface_name: str, iface: Interface,
                         credential: str, proxy_side: dict[str, str]) -> None:
        prefix = iface.model_name_prefix if iface.model_name_prefix is not None else f"{iface_name}/"
        for model_id, model in (iface.models.entries() if iface.models else []):
            model = model or ModelConfig()
            if model.ignored:
                continue
            here = ("providers", name, "interfaces", iface_name, "models", model_id)
            source = self.sources.get(here, here)
            for exposed in exposed_names(model, model_id, prefix):
                self.deployments.append((Deployment(
                    model_name=exposed.name,
                    litellm_params={"model": f"{iface_name}/{model_id}", "litellm_credential_name": credential,
                                    **proxy_side, **(exposed.model.litellm_params or {})},
                    model_info=self.model_info(exposed.model, model_id, exposed.bare, provider.access_groups),
                    source=format_path(source),
                    discovered_from=self.discovered.get(here, ""),
                ), source))

    def model_info(self, model: ModelConfig, model_id: str, exposed: str,
                   provider_groups: list[str] | None) -> dict[str, Any]:
        info = dict(model.model_info or {})
        groups = model.access_groups if model.access_groups is not None \
            else info.get("access_groups", provider_groups)
        info.pop("access_groups", None)
        if groups:
            info["access_groups"] = groups
        info["base_model"] = info.get("base_model") or self.base_models.get(model_id) or exposed
        return info

    # -- literal models ----------------------------------------------------------------------

    def literal(self, index: int, entry: LiteralDeployment) -> None:
        source = ("models", index)
        self.deployments.append((Deployment(
            model_name=entry.model_name,
            litellm_params=entry.litellm_params.model_dump(),
            model_info=dict(entry.model_info or {}),
            source=format_path(source),
        ), source))

    # -- checks ------------------------------------------------------------------------------

    def check_litellm_fields(self) -> None:
        for deployment, source in self.deployments:
            for message, path in field_issues(deployment, source):
                self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    def check_duplicates(self) -> None:
        seen: dict[Any, Deployment] = {}
        for deployment, source in self.deployments:
            first = seen.setdefault(deployment.identity, deployment)
            if first is not deployment:
                self.issue(f"duplicate deployment {deployment.identity} (first defined at {first.source})",
                           source)


def compile_resources(config: ConfigFile, sources: dict[JsonPath, JsonPath], file_for: FileFor,
                      discovered: Mapping[JsonPath, str] | None = None,
                      ) -> tuple[tuple[Credential, ...] | None, tuple[Deployment, ...] | None, list[ConfigIssue]]:
    """Credentials and deployments (None where the config omits them), and the problems found."""
    compiler = Compiler(config, sources, file_for, discovered)
    for name, provider in (config.providers.entries() if config.providers else []):
        compiler.provider(name, provider)
    for index, entry in enumerate(config.models or []):
        compiler.literal(index, entry)
    compiler.check_duplicates()
    compiler.check_litellm_fields()
    literal, literal_issues = compile_literal_credentials(config, compiler.credentials, file_for)
    compiler.issues += literal_issues
    credentials = tuple(literal + compiler.credentials) \
        if config.providers is not None or config.credentials is not None else None
    deployments = tuple(d for d, _ in compiler.deployments) \
        if config.providers is not None or config.models is not None else None
    return credentials, deployments, compiler.issues
