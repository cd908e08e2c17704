"""A second target: LiteLLM's own ``config.yaml`` (config-file mode), from the same desired state.

``model_list``, ``credential_list``, ``router_settings`` (aliases, fallbacks, other keys),
``guardrails`` and ``litellm_settings.public_model_groups``, as the pinned LiteLLM reads them
(``proxy_server.py``: ``load_config``, ``load_credential_list``).
No secret is ever written: a value read from ``${VAR}`` becomes ``os.environ/VAR`` (LiteLLM resolves
those at start-up), any other secret value becomes ``os.environ/<DERIVED_NAME>`` and is listed in
``needs`` so that the operator sets it in the proxy's environment. Ownership markers and ids are
not written: config-file objects are LiteLLM's own, read-only through its API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]

from llmproxy.desired.model import DesiredState, thaw
from llmproxy.redaction import env_var_name, is_env_reference, is_sensitive_key, redactor

ENV_PREFIX = "os.environ/"


@dataclass(frozen=True)
class NeededVar:
    name: str
    purpose: str


@dataclass
class ConfigFileResult:
    document: dict[str, Any]
    needs: list[NeededVar] = field(default_factory=list)  # variables the proxy must have

    def yaml(self) -> str:
        header = ("# LiteLLM config.yaml rendered by `llmproxy render --format litellm-config`.\n"
                  "# Holds no secrets: os.environ/ references are resolved by LiteLLM at start-up.\n")
        body: str = yaml.safe_dump(self.document, sort_keys=False, allow_unicode=True, width=120)
        return header + body


class _Secrets:
    def __init__(self) -> None:
        self.needs: dict[str, NeededVar] = {}

    def reference(self, value: Any, key: str, owner: tuple[str, ...]) -> Any:
        """The value, or an ``os.environ/`` reference in place of a secret (nested ones too)."""
        if isinstance(value, Mapping):
            return {k: self.reference(v, str(k), (*owner, str(k))) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.reference(v, key, owner) for v in value]
        if not isinstance(value, str) or is_env_reference(value):
            return value
        var = redactor.variable_of(value)
        if var is not None:
            return ENV_PREFIX + var
        if (is_sensitive_key(key) and value) or redactor.holds_secret(value):
            name = env_var_name(*owner)
            self.needs.setdefault(name, NeededVar(name, ".".join(owner)))
            return ENV_PREFIX + name
        return value


def render_litellm_config(desired: DesiredState) -> ConfigFileResult:
    """The config.yaml document for ``desired`` (omitted sections are left out)."""
    secrets = _Secrets()
    doc: dict[str, Any] = {}
    if desired.deployments is not None:
        doc["model_list"] = [
            {"model_name": d.model_name,
             "litellm_params": secrets.reference(thaw(d.litellm_params), "", (d.model_name,)),
             **({"model_info": thaw(d.model_info)} if d.model_info else {})}
            for d in desired.deployments
        ]
    if desired.credentials is not None:
        doc["credential_list"] = [
            {"credential_name": c.name,
             "credential_values": secrets.reference(thaw(c.values), "", (c.name,)),
             "credential_info": thaw(c.info)}
            for c in desired.credentials
        ]
    router: dict[str, Any] = {}
    if desired.aliases is not None:
        router["model_group_alias"] = thaw(desired.aliases)
    if desired.fallbacks is not None:
        router["fallbacks"] = [{f.source: list(f.targets)} for f in desired.fallbacks]
    if desired.router_settings is not None:
        router.update(secrets.reference(thaw(desired.router_settings), "", ("router_settings",)))
    if router:
        doc["router_settings"] = router
    if desired.guardrails is not None:
        doc["guardrails"] = [
            {"guardrail_name": g.name,
             "litellm_params": secrets.reference(thaw(g.litellm_params), "", ("guardrail", g.name)),
             **({"guardrail_info": thaw(g.info)} if g.info else {})}
            for g in desired.guardrails
        ]
    if desired.public_model_groups is not None:
        doc["litellm_settings"] = {"public_model_groups": list(desired.public_model_groups)}
    return ConfigFileResult(doc, sorted(secrets.needs.values(), key=lambda n: n.name))
