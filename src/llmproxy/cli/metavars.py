"""Help text names values the way a user types them (``SECONDS``, ``PATH``, ``KINDS``), never as
Python types (``<float range>``, ``<list[str]>``): typer's plain help formatter shows the type of
every option without a metavar, and of every argument even with one. One override fixes both."""

from __future__ import annotations

import re
from typing import Any

import typer.core

_FRIENDLY = {"str": "TEXT", "int": "N", "float": "NUMBER", "path": "PATH", "file": "PATH", "directory": "DIR",
             "bool": "BOOL"}
_ORIGINAL = typer.core._TyperParameter.display_type


def _friendly(label: str) -> str:
    inner = label.strip("<>")
    listed = re.fullmatch(r"list\[(.*)\]", inner)
    if listed:
        return _friendly(listed.group(1)) + "..."
    ranged = re.fullmatch(r"(\w+) range", inner)
    if ranged:
        inner = ranged.group(1)
    if "|" in inner:  # choices: keep them, they are what the user types
        return f"<{inner}>"
    return _FRIENDLY.get(inner, inner.upper())


def _display_type(self: Any, ctx: Any) -> str | None:
    if isinstance(self, typer.core.TyperArgument) and self.metavar is not None:
        return None  # "EMAIL", not "EMAIL <str>"
    return _friendly(str(_ORIGINAL(self, ctx)))


def install() -> None:
    typer.core._TyperParameter.display_type = _display_type  # type: ignore[method-assign,assignment]
