"""The key policy of ``llmproxy keys create``: ``key_policy`` from config.json (or the deprecated
``keys`` defaults section).

A key minted by hand gets the limits ``sync`` gives a key declared in the config with the same
alias, user and team: the one resolution, ``KeyPolicy.resolve`` (defaults, then every override
whose ``match`` selects the key, its ``set`` and ``multiply``), with the command's flags on top
(like a declared key's own fields: never multiplied).

Loading the config is the config package's job (``llmproxy.config.load_config``); this adapter only
decides when to ask it. ``keys`` commands must work without any config: when no config file exists
(and none was named explicitly) there is no policy, i.e. no limits.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmproxy.desired.keys import KeyPolicy
from llmproxy.desired.model import thaw
from llmproxy.errors import ConfigError, LLMProxyError
from llmproxy.keys.values import KeySettings

DEFAULT_CONFIG = Path("config.json")
DEFAULTS = "key_policy.defaults"  # KeyPolicy.resolve's name for a value from the defaults


@dataclass(frozen=True)
class CreatePolicy:
    """``key_policy`` as ``keys create`` applies it, and the deprecated ``keys.team_id`` default."""

    policy: KeyPolicy = field(default_factory=KeyPolicy)
    team_id: str | None = None

    def check_overrides(self) -> None:
        """Every value an override sets, validated as flags are (before any request)."""
        for override in self.policy.overrides:
            KeySettings.from_defaults(thaw(override.values), prefix=f"config {override.source}.set.")

    def settings(self, flags: KeySettings, *, alias: str, user: str | None,
                 team: str | None) -> tuple[KeySettings, dict[str, str]]:
        """``flags`` over the policy's limits for a key with this alias, user (email) and team (name),
        and where each value came from ("flag", "config" for a default, else the override's path)."""
        values, origins = self.policy.resolve(alias, user, team)
        if self.team_id is not None:
            values["team_id"] = self.team_id
        named = {k: "config" if v == DEFAULTS else v for k, v in origins.items()}
        return flags.over(KeySettings.from_defaults(values, prefix="config key_policy."), named)


def load_key_policy(config: Path | Sequence[Path] | None, local: Path | None, env_file: Path | None) -> CreatePolicy:
    first = config if isinstance(config, Path) or config is None else next(iter(config), None)
    path = first if first is not None else DEFAULT_CONFIG
    if not path.exists():
        if first is not None:
            raise LLMProxyError(f"config file not found: {first}")
        return CreatePolicy()
    try:
        load_config = importlib.import_module("llmproxy.config").load_config
    except (ImportError, AttributeError):
        raise LLMProxyError(f"cannot read the key policy from {path}: this build of llmproxy has no config loader",
                            hint="run from a directory without config.json to use no defaults") from None
    try:
        try:
            loaded = load_config(config, local, env_file, discover=False)  # the policy needs no model lists
        except ConfigError:
            # An alias or a clone may name a discovered model: then the lists are needed after all.
            loaded = load_config(config, local, env_file)
    except ConfigError as exc:
        exc.hint = exc.hint or (f"keys create takes its limits from key_policy in {path}, "
                                "so the config must load; fix it, or pass --no-defaults")
        raise
    for note in getattr(loaded, "notes", None) or ():
        print(f"note: {note}", file=sys.stderr, flush=True)
    raw: Any = getattr(loaded, "key_defaults", None) or {}
    if not isinstance(raw, Mapping):
        raise LLMProxyError(f"{path}: the 'keys' section must be an object")
    defaults = KeySettings.from_defaults(raw)  # key_policy.defaults and the old keys.team_id, checked
    out = CreatePolicy(getattr(loaded.desired, "key_policy", None) or KeyPolicy(), defaults.team_id)
    out.check_overrides()
    return out
