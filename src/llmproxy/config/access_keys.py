"""Config sections ``keys`` (virtual keys by alias) and ``key_policy`` (limits every managed key
gets, overrides by selector, multipliers), as pydantic models.

``keys`` used to hold the defaults of ``llmproxy keys create`` (``{"models": [...], "max_budget":
100, ...}``). That form still loads: it is recognised by its field names, validated as before at
its own JSON path, and folded into ``key_policy.defaults`` with a deprecation note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from llmproxy.config.base import PATTERN_HELP, ConfigObject, Duration, Name, NamedMap
from llmproxy.config.limits import ModelsBudgetAndRates

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PATTERN_HELP.setdefault(_EMAIL.pattern, "an email address such as ada@example.com")
Email = Annotated[str, Field(pattern=_EMAIL.pattern, description="An email address (the LiteLLM user's).")]
Multiplier = Annotated[float, Field(ge=0, description="Factor applied to the value the policy gives the key.")]

class KeyLimits(ModelsBudgetAndRates):
    """What a key may do: models, budget, rate limits, expiry, metadata."""

    duration: Duration | None = Field(
        None, description="Valid for this long from creation (changing it restarts the clock).")
    metadata: dict[str, Any] | None = Field(None, description="Key metadata (never a secret).")


class KeyDefaults(KeyLimits):
    """The old ``keys`` section: defaults of ``llmproxy keys create`` (deprecated: key_policy.defaults)."""

    team_id: Name | None = None


#: Field names of the old ``keys`` defaults form.
LEGACY_FIELDS = frozenset(KeyDefaults.model_fields) - {"delete"}
DEPRECATION = ('the "keys" section with key defaults ({fields}) is deprecated: "keys" now declares keys by '
               'alias; move the defaults to "key_policy": {{"defaults": {{...}}}} (read as such for now)')


class KeySpec(KeyLimits):
    """One virtual key. Its secret is never in the config: sync delivers it once (--keys-out)."""

    key_hints: ClassVar[dict[str, str]] = {
        "key": "a key's secret is never in the config: sync mints it and delivers it once (--keys-out)",
        "team_id": 'name the team by its name: "team"',
        "user_id": 'name the user by email: "user"',
        "key_alias": "the alias is the name of this entry",
    }

    user: Email | None = Field(None, description="The owning user's email (found, or created on first use).")
    team: Name | None = Field(None, description="The team (its name, team_alias in LiteLLM) the key belongs to.")

    @field_validator("metadata")
    @classmethod
    def _no_marker(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value and "llmproxy" in value:
            raise PydanticCustomError("reserved", "metadata.llmproxy is reserved for llmproxy's ownership marker")
        return value


class KeyMap(NamedMap):
    """Key alias -> key."""

    __pydantic_extra__: dict[str, KeySpec]
    #: An unknown key here can only come from the old defaults form (aliases are free names).
    known_keys: ClassVar[list[str]] = sorted(LEGACY_FIELDS)
    _legacy: KeyDefaults | None = PrivateAttr(default=None)

    @property
    def legacy(self) -> KeyDefaults | None:
        """The old defaults form, when the section was written that way."""
        return self._legacy


def is_legacy_keys(value: Any) -> bool:
    """``keys`` written as the old defaults object: an old field name with a value that is not an
    object (an alias's value always is), or ``metadata`` alone."""
    if not isinstance(value, Mapping) or not value:
        return False
    names = {k for k in value if k != "$delete"}
    return names == {"metadata"} or any(k in LEGACY_FIELDS and not isinstance(value[k], Mapping) for k in names)


def validate_keys(value: Any, handler: Any) -> Any:
    """The wrap validator of ``ConfigFile.keys``: the old form is validated as such, at ``keys``."""
    if is_legacy_keys(value):
        legacy = KeyDefaults.model_validate(value)
        result = KeyMap()
        result._legacy = legacy
        return result
    return handler(value)


class KeySelector(ConfigObject):
    """Which keys an override applies to: every given field must match (shell-style wildcards)."""

    alias: Name | None = Field(None, description="Key alias, e.g. ci-* .")
    user: Name | None = Field(None, description="User email, e.g. *@research.example.com .")
    team: Name | None = Field(None, description="Team name.")

    @model_validator(mode="after")
    def _something(self) -> KeySelector:
        if self.alias is None and self.user is None and self.team is None:
            raise PydanticCustomError("empty_selector", "name at least one of alias, user, team")
        return self


class KeyMultipliers(ConfigObject):
    max_budget: Multiplier | None = None
    rpm_limit: Multiplier | None = None
    tpm_limit: Multiplier | None = None


class KeyOverride(ConfigObject):
    """Limits for the keys a selector matches (after the defaults, in list order)."""

    match: KeySelector
    set: KeyLimits | None = Field(None, description="Values that replace the defaults for these keys.")
    multiply: KeyMultipliers | None = Field(
        None, description="Factors on the policy's value (a key's own value is never multiplied).")


class KeyPolicy(ConfigObject):
    """Limits every key llmproxy manages gets unless the key sets its own; optionally every key."""

    defaults: KeyLimits | None = Field(None, description="Also the defaults of `llmproxy keys create`.")
    overrides: list[KeyOverride] | None = None
    apply_to: Literal["managed", "all"] | None = Field(
        None, description='"all": also enforce the policy on keys llmproxy does not own (never taking '
        'them over or deleting them) [default: "managed"].')
