"""The building blocks of the config schema: strict objects with ``$delete``, named maps, and the
constrained scalar types shared by every section (``schema``, ``access``)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from llmproxy.keys.durations import DURATION_PATTERN, MAX_SECONDS, seconds

OWNER_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
#: What a pattern means, for messages.
PATTERN_HELP = {
    OWNER_PATTERN: "1 to 64 letters, digits, '.', '_' or '-'",
    DURATION_PATTERN: "a LiteLLM duration such as 30s, 10m, 1h, 7d, 2w, 1mo or daily",
}

Name = Annotated[str, Field(min_length=1)]


def _at_most_100_years(value: str) -> str:
    """What ``keys create`` refuses, refused in the config too (LiteLLM's date arithmetic overflows)."""
    if seconds(value) > MAX_SECONDS:
        raise ValueError(f"{value!r} is longer than 100 years")
    return value


Duration = Annotated[str, Field(pattern=DURATION_PATTERN, description=PATTERN_HELP[DURATION_PATTERN]),
                     AfterValidator(_at_most_100_years)]
NonNegInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]

_DELETE_DOC = "Keys to remove from the inherited object (config.local.json over config.json, $extend, default_model)."


class ConfigObject(BaseModel):
    """An object of the config file: strict types, no unknown keys, ``$delete`` allowed."""

    model_config = ConfigDict(extra="forbid", strict=True)
    #: Extra hint for an unknown key, by key (shown instead of a did-you-mean).
    key_hints: ClassVar[dict[str, str]] = {}

    delete: list[str] | None = Field(None, alias="$delete", description=_DELETE_DOC)


class NamedMap(BaseModel):
    """``{name: value}`` with ``$delete``; subclasses type the values via ``__pydantic_extra__``."""

    model_config = ConfigDict(extra="allow", strict=True)
    key_hints: ClassVar[dict[str, str]] = {}

    delete: list[str] | None = Field(None, alias="$delete", description=_DELETE_DOC)

    def entries(self) -> list[tuple[str, Any]]:
        return list((self.model_extra or {}).items())
