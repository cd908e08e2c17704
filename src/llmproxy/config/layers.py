"""Config layers: several config files deep-merged in a declared order.

The files named with ``--config`` (repeatable), each followed by the files its ``include`` list
names (paths relative to the including file), are the *public* layers; then, in the same order,
each layer's local override beside it (``<name>.local.json``; ``--local`` names the first
layer's). Every public layer comes before every local one, as the successor of the seed scripts
merges its presets (base, then each component's ``integrations/.../config.json``, then their
local files), so a local file always wins over any committed one. Each layer is merged with the
same deep merge and ``$delete`` rules as config.json + config.local.json; every error names the
file that wrote the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmproxy.config.files import ConfigPaths, local_path_for, locate, read_json
from llmproxy.config.merge import lookup, merge
from llmproxy.config.paths import FileFor, JsonPath
from llmproxy.config.schema_errors import check
from llmproxy.errors import ConfigError, ConfigIssue

INCLUDE = "include"
#: What ``--config`` accepts: one path, several (layers in order) or None (./config.json).
ConfigArg = Path | Sequence[Path] | None


def config_list(config: ConfigArg) -> list[Path]:
    if config is None:
        return []
    if isinstance(config, Path):
        return [config]
    return list(config)


def first_config(config: ConfigArg) -> Path | None:
    """The base file of ``config`` (the first layer), None for the default."""
    paths = config_list(config)
    return paths[0] if paths else None


@dataclass(frozen=True)
class Layer:
    path: Path
    doc: dict[str, Any]
    local: bool = False


@dataclass
class Layers:
    """The documents in merge order, the env file, and the issues found reading them."""

    layers: list[Layer] = field(default_factory=list)
    env_file: Path | None = None
    issues: list[ConfigIssue] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [layer.path for layer in self.layers]

    def file_for(self, path: JsonPath) -> str:
        """The file that wrote the value at ``path`` of the merged document: the last layer that
        has it; else the last layer that has its longest existing parent (a list replaced
        wholesale, an entry expanded from a shorthand); else the first file."""
        for cut in range(len(path), 0, -1):
            for layer in reversed(self.layers):
                if lookup(layer.doc, path[:cut])[0]:
                    return str(layer.path)
        return str(self.layers[0].path) if self.layers else ""

    def merged(self, before: int | None = None) -> dict[str, Any]:
        """The layers (the first ``before`` of them) deep-merged in order."""
        out: dict[str, Any] = {}
        for layer in self.layers[:before]:
            out = merge(out, layer.doc)
        return out

    def replaced_list(self, key: str) -> tuple[Any, Layer | None]:
        """For the top-level list ``key``: the value it had before the layer whose value won
        (that layer's ``$base``), and that layer (None when no layer sets ``key``)."""
        winner = None
        for index, layer in enumerate(self.layers):
            if key in layer.doc:
                winner = index
        if winner is None:
            return None, None
        return self.merged(winner).get(key), self.layers[winner]


def _always(file_name: str) -> FileFor:
    return lambda _loc: file_name


class _Reader:
    def __init__(self) -> None:
        self.out = Layers()
        self.seen: dict[Path, str] = {}

    def read(self, path: Path, local: bool, named_by: str) -> dict[str, Any] | None:
        key = path.resolve()
        if key in self.seen:
            self.out.issues.append(ConfigIssue(f"read twice as a config layer (first {self.seen[key]})",
                                               file=str(path)))
            return None
        self.seen[key] = named_by
        doc, issues = read_json(path)
        self.out.issues.extend(issues)
        if doc is None:
            return None
        self.out.issues.extend(check(doc, _always(str(path)))[1])
        return doc

    def includes(self, path: Path, doc: dict[str, Any], may_include: bool) -> list[Path]:
        value = doc.pop(INCLUDE, None)
        if value is None:
            return []
        if not may_include:
            where = "a local override file" if path.name.endswith(".local.json") else "an included file"
            self.out.issues.append(ConfigIssue(
                f"'include' is not allowed in {where}: only files named with --config include others",
                INCLUDE, str(path)))
            return []
        found = []
        for index, entry in enumerate(value if isinstance(value, list) else []):
            target = path.parent / entry
            if not target.is_file():
                self.out.issues.append(ConfigIssue(f"included file {str(target)!r} not found",
                                                   f"{INCLUDE}[{index}]", str(path)))
            else:
                found.append(target)
        return found


def read_layers(config: ConfigArg, local: Path | None, env_file: Path | None) -> Layers:
    """Find and read every layer; the caller raises on ``issues``."""
    configs = config_list(config)
    paths: ConfigPaths
    paths, issues = locate(configs[0] if configs else None, local, env_file)
    reader = _Reader()
    reader.out.env_file = paths.env_file
    reader.out.issues.extend(issues)
    for extra in configs[1:]:
        if not extra.is_file():
            reader.out.issues.append(ConfigIssue("config file not found (--config)", file=str(extra)))
    if reader.out.issues:
        return reader.out
    public: list[Layer] = []
    public_paths: list[Path] = []
    for path in [paths.config, *configs[1:]]:
        public_paths.append(path)
        doc = reader.read(path, False, "--config")
        if doc is None:
            continue
        public.append(Layer(path, doc))
        for included in reader.includes(path, doc, may_include=True):
            public_paths.append(included)
            inner = reader.read(included, False, f"included by {path}")
            if inner is not None:
                reader.includes(included, inner, may_include=False)
                public.append(Layer(included, inner))
    locals_: list[Layer] = []
    for index, path in enumerate(public_paths):
        candidate = paths.local if index == 0 else local_path_for(path)
        if candidate is None or not candidate.is_file():
            continue
        doc = reader.read(candidate, True, f"local override of {path}")
        if doc is not None:
            reader.includes(candidate, doc, may_include=False)
            locals_.append(Layer(candidate, doc, local=True))
    reader.out.layers = public + locals_
    return reader.out


def fail_if(issues: list[ConfigIssue]) -> None:
    if issues:
        raise ConfigError(issues)
