"""Key defaults from the optional ``keys`` section of config.json.

Loading the config is the config package's job (``llmproxy.config.load_config``); this adapter only
decides when to ask it. ``keys`` commands must work without any config: when no config file exists
(and none was named explicitly) there are no defaults, i.e. no limits.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from llmproxy.errors import ConfigError, LLMProxyError
from llmproxy.keys.values import KeySettings

DEFAULT_CONFIG = Path("config.json")


def load_key_defaults(config: Path | Sequence[Path] | None, local: Path | None, env_file: Path | None) -> KeySettings:
    first = config if isinstance(config, Path) or config is None else next(iter(config), None)
    path = first if first is not None else DEFAULT_CONFIG
    if not path.exists():
        if first is not None:
            raise LLMProxyError(f"config file not found: {first}")
        return KeySettings()
    try:
        load_config = importlib.import_module("llmproxy.config").load_config
    except (ImportError, AttributeError):
        raise LLMProxyError(f"cannot read key defaults from {path}: this build of llmproxy has no config loader",
                            hint="run from a directory without config.json to use no defaults") from None
    try:
        try:
            loaded = load_config(config, local, env_file, discover=False)  # key defaults need no model lists
        except ConfigError:
            # An alias or a clone may name a discovered model: then the lists are needed after all.
            loaded = load_config(config, local, env_file)
    except ConfigError as exc:
        exc.hint = exc.hint or (f"keys create takes its default limits from key_policy.defaults in {path}, "
                                "so the config must load; fix it, or pass --no-defaults")
        raise
    for note in getattr(loaded, "notes", None) or ():
        print(f"note: {note}", file=sys.stderr, flush=True)
    raw: Any = getattr(loaded, "key_defaults", None) or {}
    if not isinstance(raw, Mapping):
        raise LLMProxyError(f"{path}: the 'keys' section must be an object")
    return KeySettings.from_defaults(raw)
