"""The config file format as pydantic models (the edge: JSON in, validated objects out).

``ConfigFile`` is the root; the providers section (providers, interfaces, models) is in
``schema_providers``, the shared building blocks in ``base``.

Every object forbids unknown keys and accepts ``$delete`` (see ``merge``). Maps whose keys are
names (providers, models, aliases) are models with typed extra keys, so they can carry
``$delete`` too. Everything is optional here: a ``config.local.json`` is a partial document and
is checked with the same models; rules that span files (an interface needs an ``api_key``) are
checked by the compiler on the merged result.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from llmproxy.config.access import TeamMap, UserMap
from llmproxy.config.access_keys import KeyMap, KeyPolicy, validate_keys
from llmproxy.config.base import (
    OWNER_PATTERN,
    ConfigObject,
    Name,
    NamedMap,
    NonNegInt,
    PositiveFloat,
)
from llmproxy.config.schema_providers import ModelDefaults, ProviderMap
from llmproxy.config.schema_unions import one_of
from llmproxy.desired.patterns import is_pattern

# litellm/router_utils/routing_groups.py VALID_ROUTING_STRATEGIES (LiteLLM 1.106):
# "simple-shuffle", "lar1" and the values of types/router.py RoutingStrategy.
RoutingStrategy = Literal[
    "simple-shuffle", "least-busy", "usage-based-routing", "latency-based-routing",
    "cost-based-routing", "usage-based-routing-v2", "lar1", "provider-budget-routing",
]

RoutingGroupStrategy = Literal[RoutingStrategy, "priority"]

#: Prefix of an alias key that expands to one alias per model of a credential.
MODELS_REF = "$models:"


class LiteralParams(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    model: Name = Field(description="LiteLLM model, e.g. openai/gpt-4o.")


class LiteralDeployment(ConfigObject):
    """A LiteLLM deployment written out in full (for what providers cannot express)."""

    model_name: Name
    litellm_params: LiteralParams
    model_info: dict[str, Any] | None = None


class LiteralCredential(ConfigObject):
    """A LiteLLM credential written out in full (the successor scripts' top-level ``credentials``)."""

    credential_name: Name
    credential_values: dict[str, Any] = Field(
        description='e.g. {"api_key": "${VAR}", "api_base": "http://..."}; os.environ/ is refused (LiteLLM '
        "never resolves it in a stored credential).")
    credential_info: dict[str, Any] | None = None


class AliasObject(ConfigObject):
    """LiteLLM's alias item: ``hidden`` true serves the alias but leaves it out of the model lists."""

    model: Name = Field(description="The model name or alias this alias points to.")
    hidden: bool = Field(description="true: served when asked for by name, not listed (/v1/models, model info).")


if typing.TYPE_CHECKING:
    AliasTarget = str | AliasObject
else:
    AliasTarget = one_of('A model name or alias, or {"model": ..., "hidden": true} (served, not listed).',
                         "a string or an object", string=str, object=AliasObject)


class AliasMap(NamedMap):
    """Alias (wildcards such as claude-opus-* allowed) -> model name or another alias, or
    ``{"model": ..., "hidden": bool}`` (LiteLLM's form).

    A ``$models:<provider>/<interface>`` key stands for one alias per model of that credential
    (see ``model_aliases.expand_model_refs``); only such a key may have an empty target. After
    validation every target is a string; the hidden ones are named by ``hidden_names``.
    """

    __pydantic_extra__: dict[str, AliasTarget]
    _hidden: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _targets(self) -> AliasMap:
        hidden: set[str] = set()
        for name, target in list(self.entries()):
            if isinstance(target, AliasObject):
                if name.startswith(MODELS_REF):
                    raise PydanticCustomError("alias_object", "'{name}' takes a string target (the same for every "
                                              "model it expands to), not an object", {"name": name})
                if target.hidden and is_pattern(name):
                    raise PydanticCustomError(
                        "alias_hidden", "wildcard alias '{name}' cannot be hidden: it becomes pattern deployments "
                        "(LiteLLM never matches a wildcard alias), which LiteLLM lists", {"name": name})
                if target.hidden:
                    hidden.add(name)
                assert self.__pydantic_extra__ is not None
                self.__pydantic_extra__[name] = target.model
            elif not target and not name.startswith(MODELS_REF):
                raise PydanticCustomError("alias_target", "alias '{name}' has an empty target", {"name": name})
        self._hidden = frozenset(hidden)
        return self

    def hidden_names(self) -> frozenset[str]:
        """The aliases written as ``{"model": ..., "hidden": true}``."""
        return self._hidden


class AliasOverride(ModelDefaults):
    """What a ``model_aliases`` clone changes of its target model (deep-merged over its config)."""

    key_hints: ClassVar[dict[str, str]] = {
        "model_name": "a model_aliases clone is named by its group's key",
        "model_names": "a model_aliases clone is named by its group's key",
    }

    @model_validator(mode="after")
    def _no_effect(self) -> AliasOverride:
        if self.ignored is not None:
            raise PydanticCustomError("clone_ignored", "'ignored' has no effect on a model_aliases clone "
                                      "(the successor scripts clone it anyway); remove the target instead")
        if self.is_public_model_hub is not None:
            raise PydanticCustomError("clone_public", "'is_public_model_hub' has no effect on a model_aliases clone "
                                      "(the successor scripts ignore it there); list the name in public_model_hub")
        if self.model_name_prefix is not None:
            raise PydanticCustomError("clone_prefix", "a model_aliases clone is named by its group's key, "
                                      "without a prefix: 'model_name_prefix' has no effect here")
        return self


class AliasGroup(NamedMap):
    """``"<interface>/<model id>"`` of a provider model -> overrides (null: none), and
    ``$extends``: other groups whose targets this one inherits (its own win)."""

    extends: Name | list[Name] | None = Field(
        None, alias="$extends", description="Inherit the targets of these model_aliases groups.")
    __pydantic_extra__: dict[str, AliasOverride | None]


class ModelAliasMap(NamedMap):
    """Exposed name -> its group: one extra deployment per target, cloned from the target model.
    ``$interface/`` in keys, targets and $extends expands once per interface of the config."""

    __pydantic_extra__: dict[str, AliasGroup]


class BaseModelMap(NamedMap):
    """Raw model id -> model_info.base_model, when the model does not set one."""

    __pydantic_extra__: dict[str, Name]


class RetryPolicy(ConfigObject):
    BadRequestErrorRetries: NonNegInt | None = None
    AuthenticationErrorRetries: NonNegInt | None = None
    TimeoutErrorRetries: NonNegInt | None = None
    RateLimitErrorRetries: NonNegInt | None = None
    ContentPolicyViolationErrorRetries: NonNegInt | None = None
    InternalServerErrorRetries: NonNegInt | None = None
    ServiceUnavailableErrorRetries: NonNegInt | None = None
    NotFoundErrorRetries: NonNegInt | None = None
    DefaultRetries: NonNegInt | None = None


class RoutingGroup(ConfigObject):
    group_name: Name
    models: list[Name]
    routing_strategy: RoutingGroupStrategy
    routing_strategy_args: dict[str, Any] | None = None
    model_priorities: dict[str, Annotated[int, Field(ge=1)]] | None = None


FallbackList = list[dict[str, list[str]]]


class RouterSettings(ConfigObject):
    """LiteLLM router settings other than model_group_alias and fallbacks."""

    key_hints: ClassVar[dict[str, str]] = {
        "model_group_alias": 'aliases have their own top-level section: "aliases"',
        "fallbacks": 'fallbacks have their own top-level section: "fallbacks"',
    }

    routing_strategy: RoutingStrategy | None = None
    routing_strategy_args: dict[str, Any] | None = None
    routing_groups: list[RoutingGroup] | None = None
    num_retries: NonNegInt | None = None
    timeout: PositiveFloat | None = None
    stream_timeout: PositiveFloat | None = None
    max_fallbacks: NonNegInt | None = None
    context_window_fallbacks: FallbackList | None = None
    content_policy_fallbacks: FallbackList | None = None
    allowed_fails: NonNegInt | None = None
    cooldown_time: Annotated[float, Field(ge=0)] | None = None
    retry_after: NonNegInt | None = None
    retry_policy: RetryPolicy | None = None
    enable_pre_call_checks: bool | None = None
    default_litellm_params: dict[str, Any] | None = None
    set_verbose: bool | None = None
    default_max_parallel_requests: Annotated[int, Field(ge=1)] | None = None
    enable_tag_filtering: bool | None = None
    tag_filtering_match_any: bool | None = None
    disable_cooldowns: bool | None = None


class GuardrailParams(BaseModel):
    """LiteLLM's guardrail ``litellm_params``: ``guardrail`` (the integration, e.g.
    ``litellm_content_filter``) and ``mode`` are required (checked on the merged config), every
    other key is passed to LiteLLM as it is."""

    model_config = ConfigDict(extra="allow", strict=True)

    guardrail: Name | None = Field(None, description="The integration, e.g. litellm_content_filter, presidio.")
    mode: Name | Annotated[list[Name], Field(min_length=1)] | None = Field(
        None, description="pre_call, during_call, post_call, ... (or a list of them).")


class GuardrailConfig(ConfigObject):
    """A guardrail in LiteLLM's database; its name is the key."""

    litellm_params: GuardrailParams | None = None
    guardrail_info: dict[str, Any] | None = Field(None, description="Free-form metadata (e.g. description).")


class GuardrailMap(NamedMap):
    """guardrail_name -> guardrail (managed through LiteLLM's /guardrails API)."""

    __pydantic_extra__: dict[str, GuardrailConfig]


Percent = Annotated[float, Field(ge=0, le=100)]


class SyncPolicy(ConfigObject):
    """Safety thresholds of ``llmproxy sync`` (flags override them; ``--allow-unsafe`` skips them)."""

    max_delete_pct: Percent | None = Field(
        None, description="Refuse a plan that deletes or replaces more than this % of the managed "
        "objects of a kind [default: 30].")
    max_update_pct: Percent | None = Field(
        None, description="Refuse a plan that updates more than this % of the managed objects of a "
        "kind [default: 30].")
    min_managed: NonNegInt | None = Field(
        None, description="Kinds with fewer managed objects are never refused [default: 10].")


class ConfigFile(ConfigObject):
    """config.json / config.local.json."""

    model_config = ConfigDict(title="llmproxy config")

    schema_: str | None = Field(None, alias="$schema", description="Ignored (for editors).")
    include: list[Name] | None = Field(
        None, description="Config fragments merged after this file, in order (paths relative to it); each "
        "one's .local.json beside it is merged after every committed file. Only in files named with --config.")
    owner: Annotated[str, Field(pattern=OWNER_PATTERN)] | None = Field(
        None, description='Identifies what this config creates in LiteLLM; default "llmproxy".')
    providers: ProviderMap | None = None
    models: list[LiteralDeployment] | None = None
    credentials: list[LiteralCredential] | None = Field(
        None, description="Extra LiteLLM credentials written out in full, managed like the providers' ones.")
    model_name_base_model_map: BaseModelMap | None = None
    model_aliases: ModelAliasMap | None = Field(
        None, description='Extra deployments cloned from provider models: {"name": {"<interface>/<model id>": '
        '{overrides}}}.')
    aliases: AliasMap | None = None
    fallbacks: FallbackList | None = Field(
        None, description='[{"source[,source...]": [targets...]}, ...]')
    router_settings: RouterSettings | None = None
    keys: KeyMap | None = Field(
        None, description="Virtual keys by alias (access as code). The old form with key defaults is "
        "deprecated: use key_policy.defaults.")
    key_policy: KeyPolicy | None = None
    guardrails: GuardrailMap | None = None
    public_model_hub: list[Name] | None = Field(
        None, description="Model groups (or aliases) LiteLLM's public model hub lists (/public/model_hub).")
    public_model_hub_aliases_autofill_enabled: bool | None = Field(
        None, description="Without a public_model_hub list: make every alias public (the successor scripts' switch).")
    public_model_hub_autofill_disabled: bool | None = Field(
        None, description="true: is_public_model_hub flags make nothing public (the successor scripts' switch).")
    sync: SyncPolicy | None = None
    teams: TeamMap | None = Field(None, description="Team alias -> models, limits, members, metadata.")
    users: UserMap | None = Field(None, description="Email -> role, limits, models, teams.")

    @field_validator("keys", mode="wrap")
    @classmethod
    def _keys(cls, value: Any, handler: Any) -> Any:
        return validate_keys(value, handler)
