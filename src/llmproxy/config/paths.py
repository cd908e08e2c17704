"""JSON paths for messages: ``providers.antigravity-manager.models["gemini-2.5-flash"]``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

#: A place in a JSON document: ("providers", "p", "models", "m") or ("fallbacks", 0).
JsonPath = tuple[str | int, ...]
#: Which file a place of the merged document was written in.
FileFor = Callable[[JsonPath], str]

_PLAIN = re.compile(r"^[A-Za-z0-9_$*/@:+-]+$")


def format_path(path: Sequence[str | int]) -> str:
    """Dotted path; list indexes as ``[0]``; keys with dots, commas or spaces as ``["a,b"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def json_type(value: object) -> str:
    """The JSON name of a value's type, for 'expected X, got Y' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
