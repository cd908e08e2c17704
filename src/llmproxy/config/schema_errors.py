"""Validation against the pydantic models, with pydantic's errors turned into ConfigIssues.

Unknown keys get a did-you-mean (difflib) from the keys allowed at that place; type errors say
what was expected and what was found, in JSON terms.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from llmproxy.config.base import PATTERN_HELP, NamedMap
from llmproxy.config.paths import FileFor, format_path, json_type
from llmproxy.config.schema import ConfigFile
from llmproxy.config.schema_unions import UNION_TAGS
from llmproxy.errors import ConfigIssue

_EXPECTED = {
    "string_type": "a string", "int_type": "an integer", "float_type": "a number",
    "bool_type": "true or false", "list_type": "an array", "dict_type": "an object",
    "model_type": "an object", "model_attributes_type": "an object", "int_from_float": "an integer",
    "none_required": "null",
}


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional / Union / Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    """The type found at ``part`` inside a value of type ``annotation`` (None if unknown)."""
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, field in candidate.model_fields.items():
                if part == (field.alias or name):
                    return field.annotation
            if issubclass(candidate, NamedMap):
                extra = typing.get_type_hints(candidate).get("__pydantic_extra__")
                return typing.get_args(extra)[1] if extra else None
            return None
        elif origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
        elif origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
    return None


def model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that validates the object at ``loc`` (for its list of keys)."""
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _message(error: ErrorDetails, loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = model_at(root, loc[:-1])
        if parent is not None:
            hint = getattr(parent, "key_hints", {}).get(key)
            if hint:
                return f"{key!r} is not allowed here: {hint}"
            allowed = [f.alias or name for name, f in parent.model_fields.items()]
            return f"unknown key {key!r}{did_you_mean(key, allowed)}"
        return f"unknown key {key!r}"
    if kind == "missing":
        return f"missing required key {str(loc[-1])!r}"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(", ")]
        guess = did_you_mean(value, options) if isinstance(value, str) else ""
        return f"{value!r} is not one of {expected}{guess}" if isinstance(value, str) else \
            f"expected one of {expected}, got {json_type(value)}"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        return f"{value!r} is not valid: expected {PATTERN_HELP.get(pattern, 'a match for ' + pattern)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {json_type(value)}"
    message = error["msg"]
    return message.removeprefix("Value error, ")


_TAGS = set(UNION_TAGS.values())


def _location(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # Key errors of dicts end in "[key]"; the key itself is the place. Union tags are no place.
    loc = tuple(part for part in loc if part not in _TAGS)
    return loc[:-1] if loc and loc[-1] == "[key]" else loc


def check(doc: Any, file_for: FileFor, root: type[ConfigFile] = ConfigFile
          ) -> tuple[ConfigFile | None, list[ConfigIssue]]:
    """Validate ``doc``; the model, or None and every problem found."""
    try:
        return root.model_validate(doc), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_url=False):
            loc = _location(tuple(error["loc"]))
            issues.append(ConfigIssue(_message(error, loc, root), format_path(loc), file_for(loc)))
        return None, list(dict.fromkeys(issues))
