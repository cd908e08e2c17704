"""Live objects as a user would have written them: server-added fields removed, secrets replaced.

What LiteLLM returns is more than what was sent to it:

* ``litellm_params`` gains five boolean defaults (``use_xai_oauth``, ``use_litellm_proxy``,
  ``use_in_pass_through``, ``allow_client_keepalive_override``,
  ``merge_reasoning_content_in_choices``), all ``false``. They are dropped when ``false``.
* ``model_info`` gains server fields (``id``, ``db_model``, ``member_auto_router``, ``blocked``,
  ``pricing_overrides``, audit timestamps) and, when LiteLLM's cost map knows the model (then
  ``model_info.key`` is set), ~170 cost-map fields: prices (every name containing ``cost`` or
  ``pricing``), limits (``max_tokens``, ``max_input_tokens``, ``max_output_tokens``, ``tpm``,
  ``rpm``), capabilities (``supports_*``, ``supported_*``), ``mode``, ``litellm_provider`` and a
  few more (``COST_MAP_FIELDS``). Those are dropped; so are copies of ``litellm_params`` prices.
  Kept: every other field (``access_groups``, ``base_model``, ``tier``, ``team_id``,
  ``description``, your own keys, ...), the fields LiteLLM's ``ModelInfo`` declares for users
  (``USER_INFO_FIELDS``), and every field llmproxy's ownership marker says it set.
* Secrets: LiteLLM removes ``api_key`` and a few others from ``litellm_params`` and masks the rest
  (``sk****ef``). A secret-named string value is never exported; it becomes a ``SecretRef``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.desired.model import DeploymentIdentity, thaw
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.live.model import LiveCredential, LiveDeployment
from llmproxy.plan.compare import same
from llmproxy.redaction import env_var_name, is_env_reference, is_sensitive_key, masked_by_litellm

#: Cost-map fields whose names the rules in ``is_cost_map_field`` do not already cover.
COST_MAP_FIELDS = frozenset({
    "key", "litellm_provider", "mode", "max_tokens", "max_input_tokens", "max_output_tokens",
    "tpm", "rpm", "output_vector_size", "provider_specific_entry", "uses_embed_content",
    "vertex_ai_audio_api", "thinking_always_on", "reasoning_effort_levels",
    "default_reasoning_effort", "web_search_billing_unit", "search_free_requests",
    "prompt_cache_min_tokens",
})
_COST_MAP_PREFIXES = ("supports_", "supported_", "regional_", "token_count_", "bedrock_")
#: Fields of LiteLLM's ``ModelInfo`` (litellm/types/router.py) meant for users: always kept.
USER_INFO_FIELDS = frozenset({
    "access_groups", "base_model", "tier", "team_id", "team_public_model_name", "discoverable",
    "access_windows", "ptu_count", "cost_per_ptu_per_hour", "ptu_effective_from",
    "ptu_effective_to", "allow_fail_open", "enable_tag_filtering", "internal_router_model",
    "description",
})


@dataclass(frozen=True)
class SecretRef:
    """A secret llmproxy cannot read back: written as ``${VAR}``, set by the user."""

    var: str


def is_cost_map_field(name: str) -> bool:
    return (name in COST_MAP_FIELDS or "cost" in name or "pricing" in name
            or name.startswith(_COST_MAP_PREFIXES))


def is_secret(key: str, value: Any) -> bool:
    return isinstance(value, str) and is_sensitive_key(key) and not is_env_reference(value)


def _nested_secrets(value: Any, secret_var: Any, path: tuple[str, ...]) -> Any:
    """A mapping with its secret-named (or LiteLLM-masked) leaves as ``SecretRef``: LiteLLM shows
    ``extra_headers.Authorization`` masked, and a mask must never be exported as a value."""
    if isinstance(value, Mapping):
        return {k: (SecretRef(secret_var("_".join((*path, str(k)))))
                    if isinstance(v, str) and not is_env_reference(v)
                    and (is_sensitive_key(str(k)) or masked_by_litellm(str(k)))
                    else _nested_secrets(v, secret_var, (*path, str(k))))
                for k, v in value.items()}
    return thaw(value)


def litellm_params_view(params: Mapping[str, Any], secret_var: Any,
                        hidden: Iterable[str] = ()) -> dict[str, Any]:
    """``params`` without server defaults and nulls; secrets as ``SecretRef(secret_var(key))``,
    also those nested in mappings and those LiteLLM does not return at all (``hidden``: secret
    fields the ownership marker says were set, such as a model's own ``api_key``)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None or (key in CAPABILITIES.server_default_params and value is False):
            continue
        if is_secret(key, value):
            out[key] = SecretRef(secret_var(key))
        else:
            out[key] = _nested_secrets(value, secret_var, (key,))
    for key in hidden:
        if key not in out and "." not in key:
            out[key] = SecretRef(secret_var(key))
    return out


def model_info_view(info: Mapping[str, Any], params: Mapping[str, Any],
                    marked: Iterable[str] = ()) -> dict[str, Any]:
    """The fields of ``model_info`` a user set (see the module docstring for the rule)."""
    keep = set(marked) | USER_INFO_FIELDS
    enriched = "key" in info  # LiteLLM's cost map knew the model and added its fields
    out: dict[str, Any] = {}
    for key, value in info.items():
        if value is None:
            continue
        if key not in keep:
            if key in CAPABILITIES.server_info_fields or (enriched and is_cost_map_field(key)):
                continue
            if key in params and same(params[key], value):  # a litellm_params price, echoed
                continue
        out[key] = thaw(value)
    return out


@dataclass(frozen=True)
class ModelView:
    """One deployment as it would appear in the ``models`` list of config.json."""

    id: str
    identity: DeploymentIdentity  # model_name, litellm model, credential: as LiveDeployment's
    litellm_params: dict[str, Any]
    model_info: dict[str, Any]

    @property
    def model_name(self) -> str:
        return self.identity.model_name

    @property
    def secrets(self) -> dict[str, SecretRef]:
        """Every ``SecretRef`` in ``litellm_params`` by dotted path."""
        out: dict[str, SecretRef] = {}

        def walk(value: Mapping[str, Any], prefix: str) -> None:
            for k, v in value.items():
                if isinstance(v, SecretRef):
                    out[prefix + k] = v
                elif isinstance(v, Mapping):
                    walk(v, f"{prefix}{k}.")

        walk(self.litellm_params, "")
        return out

    def literal(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model_name": self.model_name, "litellm_params": dict(self.litellm_params)}
        if self.model_info:
            out["model_info"] = dict(self.model_info)
        return out


def model_view(dep: LiveDeployment) -> ModelView:
    # LiteLLM removes some secrets from what it shows (api_key, ...); the marker says llmproxy set
    # them (e.g. a provider's os.environ/ key, which goes on every deployment). Leaving them out
    # would make the exported config drop the key: they become variables like any secret.
    hidden = sorted((dep.marker.secrets or {}) if dep.marker else ())
    params = litellm_params_view(dep.litellm_params, lambda key: env_var_name(dep.model_name, key), hidden)
    marked = dep.marker.info_fields if dep.marker else ()
    return ModelView(dep.id, dep.identity, params, model_info_view(dep.model_info, dep.litellm_params, marked))


@dataclass(frozen=True)
class CredentialView:
    """A credential: its non-secret values in clear, the names of its secret values."""

    name: str
    values: dict[str, Any]  # secret values replaced by None (LiteLLM only shows them masked)
    info: dict[str, Any]
    secret_keys: tuple[str, ...] = field(default=())
    masked: dict[str, str] = field(default_factory=dict)  # LiteLLM's masked form, only to compare


def credential_view(cred: LiveCredential) -> CredentialView:
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    masked: dict[str, str] = {}
    for key, value in cred.values.items():
        if is_sensitive_key(str(key)) and isinstance(value, str):
            secret_keys.append(key)
            masked[key] = value
            values[key] = None
        elif value is not None:
            values[key] = thaw(value)
    return CredentialView(cred.name, values, {k: thaw(v) for k, v in cred.info.items()},
                          tuple(secret_keys), masked)
