"""Unions of the config schema chosen by the JSON type of the value (``one_of``).

Pydantic reports a value that fits no member of a plain union once per member, with the member's
type in the path; a discriminated union reports one message ("expected ...") at the right path.
The tags are dropped from error paths by ``schema_errors``.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

#: Tag of each member, by JSON type (not a key anyone writes: error paths drop them).
UNION_TAGS = {"array": "⟨array⟩", "string": "⟨string⟩", "object": "⟨object⟩", "boolean": "⟨boolean⟩"}


def _json_kind(value: Any) -> str | None:
    kind = {bool: "boolean", str: "string", list: "array", dict: "object"}.get(type(value))
    return UNION_TAGS[kind] if kind else None


def one_of(description: str, expected: str, **members: Any) -> Any:
    """A union of ``members`` (JSON type name -> type) chosen by the value's JSON type, so a
    wrong value gets one message ("expected ...") instead of one per member."""
    choices = tuple(Annotated[t, Tag(UNION_TAGS[kind])] for kind, t in members.items())
    return Annotated[typing.Union[choices],  # noqa: UP007 (a runtime-built union)
                     Discriminator(_json_kind, custom_error_type="union_type",
                                   custom_error_message=f"expected {expected}"),
                     Field(description=description)]
