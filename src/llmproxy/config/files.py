"""Finding and reading the config files: strict JSON with file / line / column in every error."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmproxy.config.paths import json_type
from llmproxy.errors import ConfigIssue

DEFAULT_CONFIG = Path("config.json")
DEFAULT_ENV_FILE = Path(".env")
MAX_DEPTH = 64  # far deeper than any real config; keeps every later step clear of recursion limits


@dataclass(frozen=True)
class ConfigPaths:
    """Which files to read. ``local`` and ``env_file`` are None when absent and optional."""

    config: Path
    local: Path | None
    env_file: Path | None


def local_path_for(config: Path) -> Path:
    """``config.json`` -> ``config.local.json``; ``prod.json`` -> ``prod.local.json``."""
    return config.with_name(f"{config.stem}.local.json")


def _unusable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file ("not found" only when nothing is there)."""
    if path.is_file():
        return None
    if path.is_dir():
        return "is a directory, not a file"
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return "is a symbolic link loop"
        except OSError:
            return "is a broken symbolic link (its target does not exist)"
    if path.exists():
        return "is not a regular file"
    return "not found"


def locate(config: Path | None, local: Path | None, env_file: Path | None) -> tuple[ConfigPaths, list[ConfigIssue]]:
    """Apply the defaults. Files named explicitly must exist; default ones are optional."""
    issues: list[ConfigIssue] = []
    config_path = config if config is not None else DEFAULT_CONFIG
    why = _unusable(config_path)
    if why:
        how = "" if config is not None else " (pass --config PATH)"
        issues.append(ConfigIssue(f"config file {why}{how}", file=str(config_path)))
    if local is not None:
        local_path: Path | None = local
        why = _unusable(local)
        if why:
            issues.append(ConfigIssue(f"local override file {why} (--local)", file=str(local)))
    else:
        candidate = local_path_for(config_path)
        local_path = candidate if candidate.is_file() else None
    if env_file is not None:
        env_path: Path | None = env_file
        why = _unusable(env_file)
        if why:
            issues.append(ConfigIssue(f"env file {why} (--env-file)", file=str(env_file)))
    else:
        env_path = DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None
    return ConfigPaths(config_path, local_path, env_path), issues


class _Rejected(ValueError):
    """A token that is valid Python JSON but not standard JSON (NaN, Infinity, 1e999)."""


def _reject_constant(token: str) -> Any:
    raise _Rejected(f"{token} is not valid JSON")


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Rejected(f"number {token} is out of range")
    return value


def _pairs(duplicates: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    return hook


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_json(path: Path) -> tuple[dict[str, Any] | None, list[ConfigIssue]]:
    """The file's top-level object, or None and the reasons it could not be read."""
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [ConfigIssue(f"not UTF-8 text (byte {exc.start})", file=file)]
    except OSError as exc:
        return None, [ConfigIssue(f"cannot read file: {exc.strerror or exc}", file=file)]
    duplicates: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=_pairs(duplicates),
                          parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        return None, [ConfigIssue(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                                  file=file)]
    except _Rejected as exc:
        return None, [ConfigIssue(f"invalid JSON: {exc}", file=file)]
    except RecursionError:
        return None, [ConfigIssue("invalid JSON: nested too deeply", file=file)]
    if _depth(data) > MAX_DEPTH:
        return None, [ConfigIssue(f"nested more than {MAX_DEPTH} levels deep", file=file)]
    issues = [ConfigIssue(f"duplicate key {key!r} in one object (JSON keeps only the last)", file=file)
              for key in dict.fromkeys(duplicates)]
    if not isinstance(data, dict):
        issues.append(ConfigIssue(f"the file must hold a JSON object, got {json_type(data)}", file=file))
        return None, issues
    return data, issues
