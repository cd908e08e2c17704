"""Ownership classification: one rule for every object that carries a marker."""

from __future__ import annotations

from enum import Enum

from llmproxy.live.marker import Marker


class Owner(str, Enum):
    MANAGED = "managed"  # our marker
    UNMANAGED = "unmanaged"  # no marker: adoptable when the config declares it
    FOREIGN = "foreign"  # another owner's marker
    READ_ONLY = "read_only"  # from LiteLLM's config file: not writable through the API


def classify(read_only: bool, marker: Marker | None, owner: str) -> Owner:
    if read_only:
        return Owner.READ_ONLY
    if marker is None:
        return Owner.UNMANAGED
    return Owner.MANAGED if marker.owner == owner else Owner.FOREIGN
