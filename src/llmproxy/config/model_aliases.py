"""The successor scripts' ``model_aliases`` and ``$models:`` alias keys.

``model_aliases``: ``{"name": {"<interface>/<model id>": {overrides}, "$extends": ...}}`` makes one
extra deployment per target, named ``name``, cloned from that provider model: same upstream
model, credential and key, its ``litellm_params`` / ``model_info`` deep-merged with the overrides.
``$interface/`` in a key expands once per interface of the config (``$interface/secondary`` ->
``anthropic/secondary``, ``openai/secondary``); in targets and ``$extends`` it takes the key's
interface. Where the successor would guess, llmproxy refuses: a target that several providers
serve (the successor clones the first), a ``$interface/`` target under a key without an interface,
a name defined twice, a wildcard clone that would carry access groups (LiteLLM then refuses keys
for those groups), ``$extends`` cycles and unknown groups or targets.

``aliases`` keys ``$models:<provider>/<interface>`` stand for one alias per model of that
credential, ``<model id> -> <exposed name>`` (or the key's value when it is not empty), for the
models whose exposed name differs from their id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.compile import INTERFACE_API
from llmproxy.config.litellm_fields import field_issues
from llmproxy.config.merge import DELETE, merge
from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema import MODELS_REF, AliasGroup, AliasMap, AliasOverride, ConfigFile
from llmproxy.config.schema_errors import did_you_mean
from llmproxy.config.schema_providers import ModelConfig, Provider
from llmproxy.desired.model import Deployment
from llmproxy.desired.patterns import is_pattern
from llmproxy.errors import ConfigIssue
from llmproxy.redaction import is_env_reference

IFACE = "$interface/"
_MODELS_REF = re.compile(r"^\$models:([^/]+)/(.+)$")


@dataclass(frozen=True)
class Target:
    """A provider model a clone can be made of."""

    provider: str
    config: Provider
    interface: str
    model_id: str
    model: ModelConfig
    credential: str


@dataclass
class _Group:
    source: JsonPath
    extends: list[str]
    targets: dict[str, tuple[AliasOverride | None, JsonPath]] = field(default_factory=dict)


def interfaces_of(config: ConfigFile) -> list[str]:
    """Every interface some provider of the config enables, sorted (what ``$interface/`` means)."""
    found = {name for _, p in (config.providers.entries() if config.providers else [])
             for name, _ in (p.interfaces.enabled() if p.interfaces else [])}
    return sorted(found)


def interface_of(name: str, interfaces: Iterable[str]) -> str | None:
    return next((i for i in interfaces if name.startswith(f"{i}/")), None)


class CloneBuilder:
    def __init__(self, config: ConfigFile, file_for: FileFor) -> None:
        self.config = config
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []
        self.interfaces = interfaces_of(config)
        self.targets: dict[str, list[Target]] = {}
        self.resolved: dict[str, dict[str, tuple[AliasOverride | None, JsonPath]] | None] = {}
        for name, provider in config.providers.entries() if config.providers else []:
            if not provider.api_key:
                continue  # the compiler reports it
            for iface_name, iface in provider.interfaces.enabled() if provider.interfaces else []:
                if not (getattr(iface, "api_base", None) or provider.api_base):
                    continue  # the compiler reports it
                for model_id, model in iface.models.entries() if iface.models else []:
                    model = model or ModelConfig()
                    if not model.ignored:
                        self.targets.setdefault(f"{iface_name}/{model_id}", []).append(
                            Target(name, provider, iface_name, model_id, model, f"{name}-{iface_name}"))
        self.base_models = dict(config.model_name_base_model_map.entries()) \
            if config.model_name_base_model_map else {}

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    # -- $interface/ and $extends -------------------------------------------------------------

    def _concrete(self, key: str, group: AliasGroup, iface: str | None, source: JsonPath) -> _Group:
        def sub(name: str, where: JsonPath) -> str | None:
            if not name.startswith(IFACE):
                return name
            if iface is None:
                self.issue(f"{name!r} takes its interface from the group's name, but {key!r} names no "
                           f"interface (use '$interface/...' or '<interface>/...' as the name)", where)
                return None
            return f"{iface}/{name[len(IFACE):]}"

        extends = group.extends if isinstance(group.extends, list) else [group.extends] if group.extends else []
        out = _Group(source, [e for e in (sub(x, (*source, "$extends")) for x in extends) if e is not None])
        for target, override in group.entries():
            concrete = sub(target, (*source, target))
            if concrete is not None:
                out.targets[concrete] = (override, (*source, target))
        return out

    def groups(self) -> dict[str, _Group]:
        """The groups with ``$interface/`` expanded; a name made twice is an error."""
        out: dict[str, _Group] = {}
        for key, group in self.config.model_aliases.entries() if self.config.model_aliases else []:
            source: JsonPath = ("model_aliases", key)
            if key.startswith(IFACE):
                if not self.interfaces:
                    self.issue(f"{key!r} expands once per interface, but no provider has interfaces", source)
                made = [(f"{i}/{key[len(IFACE):]}", self._concrete(key, group, i, source)) for i in self.interfaces]
            else:
                made = [(key, self._concrete(key, group, interface_of(key, self.interfaces), source))]
            for name, concrete in made:
                if name in out:
                    self.issue(f"model_aliases {name!r} is defined twice (by {out[name].source[-1]!r} and "
                               f"{key!r}); the successor would merge them by file order: write it once", source)
                    continue
                out[name] = concrete
        return out

    def resolve(self, groups: dict[str, _Group], name: str) -> dict[str, tuple[AliasOverride | None, JsonPath]] | None:
        """The targets of ``name`` with ``$extends`` applied (inherited first, its own win); None
        when its chain is broken (reported once). Iterative and memoized: any number of groups,
        any shape of inheritance, in linear time."""
        order: list[str] = []  # ``name`` and its ancestors, each after everything it extends
        state: dict[str, str] = {}  # "open" while its ancestors are being walked, then "done"
        stack: list[tuple[str, tuple[str, ...]]] = [(name, ())]
        while stack:
            current, chain = stack.pop()
            if current in self.resolved or state.get(current) == "done":
                continue
            if state.get(current) == "open":
                state[current] = "done"
                order.append(current)
                continue
            state[current] = "open"
            stack.append((current, chain))
            group = groups[current]
            for parent in reversed(group.extends):
                if parent in (*chain, current):
                    self.broken(groups, current, "model_aliases $extends cycle: "
                                + " -> ".join([*chain, current, parent]))
                elif parent not in groups:
                    self.broken(groups, current, f"model_aliases {current!r} extends {parent!r}, which is not a "
                                f"model_aliases group{did_you_mean(parent, sorted(groups))}")
                elif state.get(parent) != "done":
                    stack.append((parent, (*chain, current)))
        for current in order:
            if current in self.resolved:
                continue
            merged: dict[str, tuple[AliasOverride | None, JsonPath]] | None = {}
            for parent in groups[current].extends:
                inherited = self.resolved.get(parent)
                if inherited is None or merged is None:
                    merged = None
                    break
                merged.update(inherited)
            if merged is not None:
                merged.update(groups[current].targets)
            self.resolved[current] = merged
        return self.resolved.get(name)

    def broken(self, groups: dict[str, _Group], name: str, message: str) -> None:
        path = (*groups[name].source, "$extends")
        if not any(i.message == message for i in self.issues):
            self.issue(message, path)

    # -- clones --------------------------------------------------------------------------------

    def clone(self, name: str, target: str, override: AliasOverride | None, where: JsonPath
              ) -> Deployment | None:
        found = self.targets.get(target, [])
        if not found:
            self.issue(f"model_aliases {name!r} clones {target!r}, which is no provider model (targets are "
                       f"'<interface>/<model id>'){did_you_mean(target, sorted(self.targets))}", where)
            return None
        if len(found) > 1:
            providers = ", ".join(t.provider for t in found)
            self.issue(f"model_aliases {name!r}: {target!r} is a model of several providers ({providers}); "
                       "the successor would clone the first one. To serve the name from all of them, make "
                       f'it an alias of their model group ("aliases": {{"{name}": "<model name>"}})', where)
            return None
        t = found[0]
        override = override or AliasOverride()
        params = merge(t.model.litellm_params or {}, override.litellm_params or {})
        info = merge(t.model.model_info or {}, override.model_info or {})
        groups = next((g for g in (override.access_groups, t.model.access_groups, info.get("access_groups"))
                       if g is not None), t.config.access_groups)
        info.pop("access_groups", None)
        if groups:
            if is_pattern(name):
                self.issue(f"model_aliases {name!r} is a pattern deployment with access groups {groups}: "
                           "open-source LiteLLM then refuses to mint keys for those groups; give it "
                           '"access_groups": [] (keys reach it by listing the pattern)', where)
                return None
            info["access_groups"] = groups
        info["base_model"] = info.get("base_model") or self.base_models.get(t.model_id) or t.model_id
        return Deployment(
            model_name=name,
            litellm_params={"model": target, "litellm_credential_name": t.credential,
                            **self.proxy_side(t), **params},
            model_info=info,
            source=format_path(where),
        )

    @staticmethod
    def proxy_side(t: Target) -> dict[str, str]:
        """``os.environ/`` values go on every deployment (as the compiler puts them)."""
        api_base = getattr(t.config.interfaces, t.interface, None)
        base = getattr(api_base, "api_base", None) or t.config.api_base
        values = {"api_key": t.config.api_key, "api_base": base if not INTERFACE_API[t.interface][0] else None}
        return {k: v for k, v in values.items() if isinstance(v, str) and is_env_reference(v)}


def expand_model_aliases(config: ConfigFile, existing: Iterable[Deployment], file_for: FileFor
                         ) -> tuple[list[Deployment], list[ConfigIssue]]:
    """The clones ``model_aliases`` makes, and the problems found."""
    builder = CloneBuilder(config, file_for)
    if config.model_aliases is None:
        return [], []
    groups = builder.groups()
    seen = {d.identity: d for d in existing}
    clones: list[Deployment] = []
    for name, group in groups.items():
        targets = builder.resolve(groups, name)
        if targets is None:
            continue
        if not targets:
            builder.issue(f"model_aliases {name!r} has no targets", group.source)
        for target, (override, where) in targets.items():
            clone = builder.clone(name, target, override, where)
            if clone is None:
                continue
            first = seen.setdefault(clone.identity, clone)
            if first is not clone:
                builder.issue(f"duplicate deployment {clone.identity} (first defined at {first.source})", where)
                continue
            builder.issues += [ConfigIssue(m, format_path(p), file_for(p)) for m, p in field_issues(clone, where)]
            clones.append(clone)
    return clones, builder.issues


def expand_model_refs(config: ConfigFile, deployments: Iterable[Deployment], clones: Iterable[Deployment],
                      file_for: FileFor) -> tuple[dict[str, str] | None, list[ConfigIssue]]:
    """``aliases`` with every ``$models:<provider>/<interface>`` key expanded (None if omitted)."""
    if config.aliases is None:
        return None, []
    issues: list[ConfigIssue] = []
    entries = config.aliases.entries()
    explicit = {k: v for k, v in entries if not k.startswith(MODELS_REF)}
    cloned = {id(c) for c in clones}
    # Clones are left out: a clone of model m would be a second name for m (the successor keeps
    # whichever sorts last); literal models with that credential count, as in the successor.
    candidates = [d for d in deployments if id(d) not in cloned]
    models = {d.model_name for d in deployments}
    out: dict[str, str] = {}
    made_by: dict[str, str] = {}

    def issue(message: str, key: str) -> None:
        path = ("aliases", key)
        issues.append(ConfigIssue(message, format_path(path), file_for(path)))

    for key, value in entries:
        match = _MODELS_REF.match(key)
        if not key.startswith(MODELS_REF):
            out[key] = value
            continue
        if match is None:
            issue(f"{key!r}: write '$models:<provider>/<interface>'", key)
            continue
        credential = f"{match[1]}-{match[2]}"
        names: dict[str, set[str]] = {}
        for d in candidates:
            if d.litellm_params.get("litellm_credential_name") != credential:
                continue
            upstream = str(d.litellm_params.get("model", ""))
            raw = upstream.split("/", 1)[1] if "/" in upstream else upstream
            if raw != d.model_name:
                names.setdefault(raw, set()).add(value or d.model_name)
            else:
                names.setdefault(raw, set())
        if not names:
            issue(f"{key!r} matches no model (no deployment uses the credential {credential!r})", key)
            continue
        for raw, targets in names.items():
            if not targets:
                continue
            if len(targets) > 1:
                issue(f"{key!r}: model {raw!r} is exposed as {', '.join(sorted(targets))}; the alias {raw!r} "
                      "would point at whichever the successor sorts last: write it out in aliases", key)
            elif raw in models:
                issue(f"{key!r} would make the alias {raw!r}, which is the name of a model (it would hide "
                      "that model)", key)
            elif raw in explicit and explicit[raw] != next(iter(targets)):
                issue(f"{key!r} would make the alias {raw!r} -> {next(iter(targets))!r}, but aliases.{raw} "
                      f"says {explicit[raw]!r}; the successor keeps whichever comes last: write one", key)
            elif raw in made_by and out[raw] != next(iter(targets)):
                issue(f"{key!r} and {made_by[raw]!r} both make the alias {raw!r}, to different models", key)
            else:
                out.setdefault(raw, next(iter(targets)))
                made_by.setdefault(raw, key)
    return out, issues


def directive_issues(document: dict[str, Any], file_for: FileFor) -> list[ConfigIssue]:
    """``$delete`` inside a clone's overrides (checked before directives are stripped): the
    overrides are merged over the target model after validation, where it no longer exists."""
    issues = []
    groups = document.get("model_aliases")
    for name, group in groups.items() if isinstance(groups, dict) else ():
        for target, override in group.items() if isinstance(group, dict) else ():
            stack: list[tuple[Any, JsonPath]] = [(override, ("model_aliases", name, target))]
            while stack:
                value, path = stack.pop()
                if isinstance(value, dict):
                    if DELETE in value:
                        issues.append(ConfigIssue("'$delete' is not supported in a model_aliases override: "
                                                  "set the values the clone needs instead", format_path(path),
                                                  file_for(path)))
                    stack += [(v, (*path, k)) for k, v in value.items() if k != DELETE]
    return issues


def apply_model_aliases(config: ConfigFile, deployments: tuple[Deployment, ...] | None, file_for: FileFor
                        ) -> tuple[ConfigFile, tuple[Deployment, ...] | None, list[ConfigIssue]]:
    """``config`` with its ``$models:`` aliases expanded, the deployments with the clones added."""
    clones, issues = expand_model_aliases(config, deployments or (), file_for)
    if clones:
        deployments = (*(deployments or ()), *clones)
    if config.aliases is not None and any(k.startswith(MODELS_REF) for k, _ in config.aliases.entries()):
        aliases, ref_issues = expand_model_refs(config, deployments or (), clones, file_for)
        issues += ref_issues
        config = config.model_copy(update={"aliases": AliasMap.model_validate(aliases)})
    return config, deployments, issues
