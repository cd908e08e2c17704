"""Validated ``keys`` / ``key_policy`` sections -> desired keys and the key policy.

The old ``keys`` defaults form is folded into ``key_policy.defaults`` here (with a deprecation
note); its ``team_id`` stays a default of ``llmproxy keys create`` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.access_keys import DEPRECATION, KeyLimits, KeyMap
from llmproxy.config.access_keys import KeyPolicy as KeyPolicyConfig
from llmproxy.config.paths import FileFor, format_path
from llmproxy.desired.keys import DesiredKey, KeyPolicy, Override, Selector, build_key
from llmproxy.desired.model import thaw
from llmproxy.errors import ConfigIssue


@dataclass
class CompiledKeys:
    keys: tuple[DesiredKey, ...] | None = None  # None: no "keys" section (leave LiteLLM's keys alone)
    policy: KeyPolicy | None = None
    create_defaults: dict[str, Any] = field(default_factory=dict)  # for `llmproxy keys create`
    notes: list[str] = field(default_factory=list)
    issues: list[ConfigIssue] = field(default_factory=list)


def _limits(limits: KeyLimits | None) -> dict[str, Any]:
    return limits.model_dump(exclude_none=True, exclude={"delete"}) if limits is not None else {}


def _policy(config: KeyPolicyConfig | None, legacy_defaults: dict[str, Any]) -> KeyPolicy | None:
    if config is None and not legacy_defaults:
        return None
    config = config or KeyPolicyConfig()
    overrides = []
    for index, o in enumerate(config.overrides or []):
        multiply = o.multiply.model_dump(exclude_none=True, exclude={"delete"}) if o.multiply else {}
        overrides.append(Override(Selector(o.match.alias, o.match.user, o.match.team), _limits(o.set), multiply,
                                  source=format_path(("key_policy", "overrides", index))))
    return KeyPolicy(defaults={**legacy_defaults, **_limits(config.defaults)}, overrides=tuple(overrides),
                     apply_to=config.apply_to or "managed")


def compile_keys(keys: KeyMap | None, policy_config: KeyPolicyConfig | None, file_for: FileFor) -> CompiledKeys:
    out = CompiledKeys()
    legacy = keys.legacy if keys is not None else None
    legacy_defaults: dict[str, Any] = {}
    if legacy is not None:
        legacy_defaults = legacy.model_dump(exclude_none=True, exclude={"delete"})
        out.create_defaults = dict(legacy_defaults)
        legacy_defaults.pop("team_id", None)
        out.notes.append(f"{file_for(('keys',))}: " + DEPRECATION.format(fields=", ".join(sorted(out.create_defaults))))
        if policy_config is not None and policy_config.defaults is not None:
            out.issues.append(ConfigIssue(
                'both the old "keys" defaults and key_policy.defaults are set; keep key_policy.defaults only',
                "keys", file_for(("keys",))))
        keys = None
    out.policy = _policy(policy_config, legacy_defaults)
    if out.policy is not None:
        out.create_defaults = {**out.create_defaults, **thaw(out.policy.defaults)}
    if keys is None:
        return out
    policy = out.policy or KeyPolicy()
    compiled = []
    for alias, spec in keys.entries():
        own = _limits(spec)
        own.pop("user", None)
        own.pop("team", None)
        values, sources = policy.resolve(alias, spec.user, spec.team, own)
        compiled.append(build_key(alias, spec.user, spec.team, values, sources, format_path(("keys", alias))))
    out.keys = tuple(compiled)
    return out
