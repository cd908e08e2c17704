"""The selection an export of objects a config names makes (teams by alias, keys by alias): other
owners' objects are left out, objects without a name are counted and left out, a second object
with a name already exported is noted and stays as it is, and each of the rest is exported once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from llmproxy.live.marker import Owned

OwnedT = TypeVar("OwnedT", bound=Owned)


def export_by_name(objects: Iterable[OwnedT], owner: str, notes: list[str], *, noun: str,
                   name: Callable[[OwnedT], str | None], export: Callable[[OwnedT], Any],
                   label: Callable[[OwnedT], str], duplicate: Callable[[OwnedT], str],
                   ) -> tuple[dict[str, Any], list[str]]:
    """The exported objects by name, and ``label (owner)`` of each object of another owner (for
    the caller's note). ``duplicate`` words the note on a second object with an exported name;
    ``export`` may add notes of its own (in the objects' order)."""
    exported: dict[str, Any] = {}
    foreign: list[str] = []
    unnamed = 0
    for obj in objects:
        key = name(obj)
        if obj.marker and obj.marker.owner != owner:
            foreign.append(f"{label(obj)} ({obj.marker.owner})")
        elif not key:
            unnamed += 1
        elif key in exported:
            notes.append(duplicate(obj))
        else:
            exported[key] = export(obj)
    if unnamed:
        notes.append(f"left out {unnamed} {noun}(s) without an alias (a config names {noun}s by alias)")
    return exported, foreign
