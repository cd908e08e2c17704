"""Which interfaces discover their models, where and with which key; the ids each one adds.

Runs on the merged, ``$extend``-resolved providers (plain dicts, before validation: discovered
models must get ``default_model`` like listed ones). Malformed settings are skipped here; the
schema check reports them. Discovery is on for an interface when its ``discover`` (else its
provider's) is true or a filter object; ``models_autofill_disabled`` (the successor scripts'
switch) is its inverse. The list is read from ``models_api_base`` of the interface, else its
``api_base``, else the provider's ``models_api_base``, else its ``api_base`` (the successor's
order), with the provider's ``api_key``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmproxy.config.discovery.upstream import Listing, ListingError, ModelLister
from llmproxy.config.envvars import Environment
from llmproxy.config.merge import DELETE
from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema_providers import INTERFACES
from llmproxy.errors import ConfigIssue
from llmproxy.redaction import hide_url_passwords, redactor

ENV_PREFIX = "os.environ/"


@dataclass(frozen=True)
class Discovered:
    """What discovery adds to one interface: ``ids`` not configured under ``models``."""

    url: str  # where the list was read (no secrets)
    ids: tuple[str, ...]


@dataclass(frozen=True)
class _Setting:
    on: bool
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _setting(level: dict[str, Any]) -> _Setting | None:
    """The discovery setting written at one level (provider or interface); None if none (or malformed)."""
    value = level.get("discover")
    if isinstance(value, bool):
        return _Setting(value)
    if isinstance(value, dict):
        globs = {k: tuple(g for g in v if isinstance(g, str)) if isinstance(v, list) else ()
                 for k, v in value.items()}
        return _Setting(True, globs.get("include", ()), globs.get("exclude", ()))
    disabled = level.get("models_autofill_disabled")
    return _Setting(not disabled) if isinstance(disabled, bool) else None


def _conflict(level: dict[str, Any]) -> bool:
    return "discover" in level and "models_autofill_disabled" in level


def _configured(*maps: Any) -> set[str]:
    return {k for m in maps for k in _dict(m) if k != DELETE}


def _kept(ids: tuple[str, ...], setting: _Setting, configured: set[str]) -> tuple[str, ...]:
    def wanted(model_id: str) -> bool:
        if setting.include and not any(fnmatch.fnmatchcase(model_id, g) for g in setting.include):
            return False
        return not any(fnmatch.fnmatchcase(model_id, g) for g in setting.exclude)

    return tuple(i for i in ids if i not in configured and wanted(i))


class _Run:
    def __init__(self, lister: ModelLister, env: Environment, file_for: FileFor) -> None:
        self.lister = lister
        self.env = env
        self.file_for = file_for
        self.issues: list[ConfigIssue] = []
        self.found: dict[tuple[str, str], Discovered] = {}
        self._listings: dict[tuple[str, str, str], Listing | None] = {}

    def issue(self, message: str, path: JsonPath) -> None:
        self.issues.append(ConfigIssue(message, format_path(path), self.file_for(path)))

    def value(self, raw: Any, path: JsonPath, what: str) -> str | None:
        """A usable string for ``raw`` (``os.environ/VAR`` read from llmproxy's environment)."""
        if not isinstance(raw, str) or not raw or "${" in raw:
            return None  # missing or unresolved: reported elsewhere
        if not raw.startswith(ENV_PREFIX):
            return raw
        name = raw[len(ENV_PREFIX):]
        resolved = self.env.get(name)
        if resolved is None:
            self.issue(f"model discovery runs in llmproxy and needs the {what}: {name} is not set "
                       f"(looked in {self.env.where()}); {raw} is otherwise read by LiteLLM only", path)
            return None
        redactor.add(resolved, name)
        return resolved

    def interface(self, name: str, provider: dict[str, Any], iface_name: str, iface: dict[str, Any]) -> None:
        here: JsonPath = ("providers", name, "interfaces", iface_name)
        levels: list[tuple[dict[str, Any], JsonPath]] = [(iface, here), (provider, ("providers", name))]

        def first(*keys: str) -> tuple[JsonPath, Any] | None:
            """The first of ``keys`` set, interface before provider: (its path, its value)."""
            return next((((*path, k), level[k]) for level, path in levels for k in keys
                         if level.get(k) is not None), None)

        conflict = next((path for level, path in levels if _conflict(level)), None)
        if conflict is not None:
            self.issue('set "discover" or "models_autofill_disabled", not both', (*conflict, "discover"))
            return
        setting = _setting(iface) or _setting(provider)
        if setting is None or not setting.on:
            unused = first("models_api_base")
            if setting is None and unused is not None:
                self.issue('models_api_base is only read by model discovery, which is off: add "discover": '
                           "true to deploy the models the upstream lists (llmproxy discovers only when asked; "
                           "the successor scripts did by default), or remove models_api_base", unused[0])
            return
        source = first("models_api_base", "api_base")
        if source is None:
            self.issue(f"model discovery of provider {name!r} interface {iface_name!r} needs a URL: set "
                       "models_api_base or api_base", (*here, "discover"))
            return
        base = self.value(source[1], source[0], "model list URL")
        key = self.value(provider.get("api_key"), ("providers", name, "api_key"), "provider's api_key")
        if base is None or key is None:
            return
        listing = self.listing(name, iface_name, base, key, here)
        if listing is not None:
            configured = _configured(provider.get("models"), iface.get("models"))
            self.found[(name, iface_name)] = Discovered(listing.url, _kept(listing.ids, setting, configured))

    def listing(self, name: str, iface_name: str, base: str, key: str, here: JsonPath) -> Listing | None:
        cache_key = (iface_name, base, key)
        if cache_key not in self._listings:
            try:
                listing: Listing | None = self.lister(iface_name, base, key)
            except ListingError as exc:
                self.issue(f"model discovery of provider {name!r} interface {iface_name!r} failed: "
                           f"GET {exc.url}: {exc.reason}", here)
                listing = None
            if listing is not None and not listing.ids:
                self.issue(f"model discovery of provider {name!r} interface {iface_name!r}: "
                           f"{hide_url_passwords(listing.url)} lists no models (refused: it would remove every "
                           "discovered model)", here)
                listing = None
            self._listings[cache_key] = listing
        return self._listings[cache_key]


def discover_models(providers: Mapping[str, Any], lister: ModelLister, env: Environment, file_for: FileFor
                    ) -> tuple[dict[tuple[str, str], Discovered], list[ConfigIssue]]:
    """``(provider, interface) -> Discovered`` for every interface that discovers, and the problems."""
    run = _Run(lister, env, file_for)
    for name, provider in providers.items():
        interfaces = provider.get("interfaces") if isinstance(provider, dict) else None
        if not isinstance(interfaces, dict):
            continue
        for iface_name, iface in interfaces.items():
            if iface_name in INTERFACES and (iface is None or isinstance(iface, dict)):
                run.interface(name, provider, iface_name, iface or {})
    return run.found, run.issues
