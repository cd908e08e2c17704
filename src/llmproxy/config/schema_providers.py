"""The providers section of the config schema: providers, their interfaces and models.

A provider is an upstream reached through one or more interfaces (openai, anthropic, gemini), each
yielding one LiteLLM credential; its models (configured, or discovered from the upstream's model
list) become deployments. ``schema`` holds the rest of the config file and the root model.
"""

from __future__ import annotations

import re
import typing
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from llmproxy.config.base import ConfigObject, Name, NamedMap
from llmproxy.config.schema_unions import one_of

INTERFACES: tuple[str, ...] = ("openai", "anthropic", "gemini")
_PROVIDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


_PUBLIC_DOC = ("true lists the exposed model names in LiteLLM's public model hub (the successor scripts' flag): "
               "a model's (or a model_names entry's) setting wins over its interface's, then its provider's.")


class ModelSettings(ConfigObject):
    """What a model, its provider's ``default_model`` and each name of ``model_names`` can set."""

    access_groups: list[str] | None = Field(
        None, description="Overrides the provider's access_groups; [] means none.")
    litellm_params: dict[str, Any] | None = Field(
        None, description="Extra LiteLLM litellm_params (model and litellm_credential_name are derived); "
        "prices go here: input_cost_per_token, output_cost_per_token.")
    model_info: dict[str, Any] | None = Field(
        None, description="LiteLLM model_info; model_info.base_model sets the pricing model (prices are "
        "refused here: LiteLLM reads them from litellm_params).")
    model_name_prefix: str | None = Field(
        None, description="Prefix of the exposed name(s), instead of the interface's model_name_prefix.")
    is_public_model_hub: bool | None = Field(None, description=_PUBLIC_DOC)

    @field_validator("litellm_params")
    @classmethod
    def _derived_params(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        derived = [k for k in ("model", "litellm_credential_name") if value and k in value]
        if derived:
            raise PydanticCustomError(
                "derived_param",
                "litellm_params.{key} is derived from the provider, interface and model id; "
                "use the top-level \"models\" list for a literal deployment",
                {"key": derived[0]})
        return value


class NameOverrides(ModelSettings):
    """Per-name overrides in the object form of ``model_names`` (merged over the model)."""

    key_hints: ClassVar[dict[str, str]] = {
        "ignored": "a name of model_names cannot be ignored; drop it from model_names",
        "model_names": "names do not nest; list every name in the model's model_names",
        "model_name": "the key of this entry is the name",
    }


class ModelDefaults(ModelSettings):
    """What every model of a provider inherits (``default_model``)."""

    key_hints: ClassVar[dict[str, str]] = {
        "model_name": "default_model cannot name models; set model_name on each model",
        "model_names": "default_model cannot name models; set model_names on each model",
    }

    ignored: bool | None = Field(None, description="true drops the model.")


#: ``model_names``: a list, a comma-separated string (a leading comma adds the model id), or
#: ``{name: overrides}`` (``"$self"`` is the model id).
if typing.TYPE_CHECKING:
    ModelNames = list[str] | str | dict[str, NameOverrides | None]
else:
    ModelNames = one_of(
        'Several exposed names, one deployment each: ["a", "b"], "a,b" (a leading comma also exposes the model '
        'id), or {"a": {overrides}, "$self": {}} with per-name litellm_params, model_info, access_groups, '
        "model_name_prefix.", "an array of names, a comma-separated string or an object",
        array=list[Name], string=str, object=dict[Name, NameOverrides | None])


class ModelConfig(ModelDefaults):
    """One upstream model id of a provider."""

    key_hints: ClassVar[dict[str, str]] = {}

    model_name: Name | None = Field(None, description="The exposed name (after the interface prefix).")
    model_names: ModelNames | None = None

    @model_validator(mode="after")
    def _one_name_form(self) -> ModelConfig:
        if self.model_name is not None and self.model_names is not None:
            raise PydanticCustomError("name_forms", "set model_name or model_names, not both")
        if isinstance(self.model_names, list) and not self.model_names:
            raise PydanticCustomError("name_forms", "model_names is empty: name at least one, or leave it out")
        return self


class ModelMap(NamedMap):
    """Raw model id -> model config (null = defaults only)."""

    __pydantic_extra__: dict[str, ModelConfig | None]


class DiscoverFilter(ConfigObject):
    """Which of the upstream's listed model ids to expose (globs: ``*``, ``?``, ``[...]``)."""

    include: list[Name] | None = Field(None, description="Expose only listed ids matching one of these globs.")
    exclude: list[Name] | None = Field(None, description="Do not expose listed ids matching one of these globs.")


_DISCOVER_DOC = ("Model discovery: true reads the upstream's model list (models_api_base, else api_base) and "
                 "deploys every listed model not configured under models; {\"include\": [globs], \"exclude\": "
                 "[globs]} filters the list. Default false (the interface's setting wins over the provider's).")
if typing.TYPE_CHECKING:
    Discover = bool | DiscoverFilter
else:
    Discover = one_of(_DISCOVER_DOC, "true, false or an object", boolean=bool, object=DiscoverFilter)
_AUTOFILL_DOC = "The successor scripts' switch: true = \"discover\": false, false = \"discover\": true."
_MODELS_API_BASE_DOC = "Base URL of the model list for discovery (default: api_base); needs discovery on."


class Interface(ConfigObject):
    api_base: str | None = Field(None, description="Base URL of this interface instead of the provider's.")
    model_name_prefix: str | None = Field(
        None, description='Prefix of every exposed model name; default "<interface>/", "" for none.')
    models: ModelMap | None = Field(None, description="Adds to / overrides the provider's models.")
    discover: Discover | None = None
    models_autofill_disabled: bool | None = Field(None, description=_AUTOFILL_DOC)
    models_api_base: str | None = Field(None, description=_MODELS_API_BASE_DOC)
    is_public_model_hub: bool | None = Field(None, description=_PUBLIC_DOC)


class Interfaces(ConfigObject):
    """Which APIs of the provider to use; each yields one credential. null = enabled, defaults."""

    openai: Interface | None = None
    anthropic: Interface | None = None
    gemini: Interface | None = None
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _keep_order(cls, data: Any, handler: Any) -> Interfaces:
        result: Interfaces = handler(data)
        if isinstance(data, dict):
            result._order = tuple(k for k in data if k in INTERFACES)
        return result

    def enabled(self) -> list[tuple[str, Interface]]:
        """The interfaces present in the file, in file order (null -> defaults)."""
        return [(name, getattr(self, name) or Interface()) for name in self._order]


class Provider(ConfigObject):
    extend: str | None = Field(None, alias="$extend",
                               description="Inherit everything from this provider (null removes inheritance).")
    api_base: str | None = Field(None, description="Base URL; the interface suffix (/v1, /v1beta) is added once.")
    api_key: str | None = Field(None, description='"${VAR}" (resolved by llmproxy) or "os.environ/VAR" (by LiteLLM).')
    access_groups: list[str] | None = Field(None, description="Default model_info.access_groups of its models.")
    interfaces: Interfaces | None = None
    models: ModelMap | None = Field(None, description="Models served on every interface.")
    default_model: ModelDefaults | None = Field(None, description="Merged under every model of this provider.")
    discover: Discover | None = None
    models_autofill_disabled: bool | None = Field(None, description=_AUTOFILL_DOC)
    models_api_base: str | None = Field(None, description=_MODELS_API_BASE_DOC)
    is_public_model_hub: bool | None = Field(None, description=_PUBLIC_DOC)


class ProviderMap(NamedMap):
    __pydantic_extra__: dict[str, Provider]

    @model_validator(mode="after")
    def _names(self) -> ProviderMap:
        bad = [name for name, _ in self.entries() if not _PROVIDER_NAME.match(name)]
        if bad:
            raise PydanticCustomError(
                "provider_name", "invalid provider name '{name}': use letters, digits, '.', '_' and '-'",
                {"name": bad[0]})
        return self
