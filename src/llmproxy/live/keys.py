"""Virtual keys as LiteLLM holds them (``/key/list``): plain records for the planner. Never a secret:
a key is known by its hash (``token``) and its alias."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.live.marker import MARKER_KEY, Marker


@dataclass(frozen=True)
class LiveKey:
    token: str  # sha256 of the secret: LiteLLM's id for the key
    alias: str | None
    user_id: str | None = None
    user_email: str | None = None
    team_id: str | None = None
    team: str | None = None  # the team's alias (name), when LiteLLM has one
    models: tuple[str, ...] = ()
    max_budget: float | None = None
    budget_duration: str | None = None
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)  # without the marker
    marker: Marker | None = None
    #: The ``duration`` llmproxy last set (recorded in the marker: LiteLLM keeps only ``expires``).
    duration: str | None = None
    expires: str | None = None
    spend: float = 0.0
    blocked: bool = False

    @property
    def key(self) -> str:
        """How plans name it: the alias, else a hash prefix."""
        return self.alias or f"hash:{self.token[:12]}"

    @property
    def raw_metadata(self) -> dict[str, Any]:
        """The metadata as stored, marker included (what an update must start from)."""
        return dict(self.metadata) | ({MARKER_KEY: self.marker_json} if self.marker_json else {})

    marker_json: Mapping[str, Any] | None = None
