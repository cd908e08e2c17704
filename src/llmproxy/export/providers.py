"""Which credentials fold back into providers (the inverse of ``config.compile``'s credential rule).

The compiler turns provider ``P`` with interface ``I`` into the credential ``P-I`` with exactly
``credential_values = {api_key, api_base + suffix(I)}`` and
``credential_info.custom_llm_provider = provider(I)``. A live credential folds back only when it
has that shape; every interface of one provider must share the api_base and (as far as LiteLLM's
masked view can tell) the api_key, because a provider has one of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from llmproxy.config.compile import INTERFACE_API, join_api_base
from llmproxy.config.schema_providers import INTERFACES
from llmproxy.export.views import CredentialView, SecretRef
from llmproxy.redaction import env_var_name, is_env_reference

_NAME = re.compile(r"^(?P<provider>[A-Za-z0-9][A-Za-z0-9_.-]*)-(?P<iface>" + "|".join(INTERFACES) + r")$")


@dataclass
class ProviderFold:
    """A provider rebuilt from its credentials."""

    name: str
    api_base: str
    api_key: SecretRef
    interfaces: list[str] = field(default_factory=list)  # in INTERFACES order
    masked_key: str = ""

    def credential(self, iface: str) -> str:
        return f"{self.name}-{iface}"


def _provider_base(cred: CredentialView, iface: str) -> tuple[str | None, str]:
    """The provider api_base this credential was made from, or None and why it cannot be."""
    suffix, llm_provider = INTERFACE_API[iface]
    if set(cred.values) != {"api_key", "api_base"} or cred.secret_keys != ("api_key",):
        return None, "its values are not exactly api_key and api_base"
    if cred.info.get("custom_llm_provider") != llm_provider:
        return None, f"credential_info.custom_llm_provider is not {llm_provider!r}"
    base = cred.values["api_base"]
    if not isinstance(base, str) or not base:
        return None, "api_base is not a string"
    if suffix and is_env_reference(base):
        return None, "api_base is a proxy-side os.environ/ reference"
    provider_base = base[: -len(suffix)] if suffix and base.endswith(suffix) else base
    if not provider_base or join_api_base(provider_base, suffix) != base:
        return None, f"api_base {base!r} is not <base>{suffix or ''} as the {iface} interface makes it"
    return provider_base, ""


def fold_credentials(creds: Iterable[CredentialView], skip: set[str]
                     ) -> tuple[dict[str, ProviderFold], list[CredentialView], list[str]]:
    """(providers by name, credentials left as they are, notes)."""
    providers: dict[str, ProviderFold] = {}
    left: list[CredentialView] = []
    notes: list[str] = []
    candidates = sorted(creds, key=lambda c: _order(c.name))
    for cred in candidates:
        match = _NAME.match(cred.name)
        if not match:
            left.append(cred)
            notes.append(f"credential {cred.name!r} is not named <provider>-<interface> "
                         f"({'/'.join(INTERFACES)}); llmproxy leaves it as it is")
            continue
        name, iface = match["provider"], match["iface"]
        base, why = _provider_base(cred, iface)
        if cred.name in skip:
            base, why = None, "llmproxy would not read it back unchanged"
        if base is None:
            left.append(cred)
            notes.append(f"credential {cred.name!r} cannot be written as a provider ({why}); "
                         "llmproxy leaves it as it is")
            continue
        masked = cred.masked.get("api_key", "")
        existing = providers.get(name)
        if existing is None:
            providers[name] = ProviderFold(name, base, SecretRef(env_var_name(name, "api_key")),
                                           [iface], masked)
        elif existing.api_base == base and existing.masked_key == masked:
            existing.interfaces.append(iface)
        else:
            left.append(cred)
            notes.append(f"credential {cred.name!r} has another api_base or api_key than "
                         f"{existing.credential(existing.interfaces[0])!r}; a provider has one of each, "
                         "so llmproxy leaves it as it is")
            continue
        extra = sorted(set(cred.info) - {"custom_llm_provider"})
        if extra:
            notes.append(f"credential {cred.name!r}: credential_info {', '.join(extra)} has no place in the "
                         "config; LiteLLM keeps it (llmproxy merges credential_info, never removes from it)")
    _unique_vars(providers.values())
    return providers, left, notes


def _order(name: str) -> tuple[str, int]:
    match = _NAME.match(name)
    if not match:
        return name, -1
    return match["provider"], INTERFACES.index(match["iface"])


def _unique_vars(providers: Iterable[ProviderFold]) -> None:
    seen: set[str] = set()
    for p in providers:
        var, n = p.api_key.var, 2
        while var in seen:
            var, n = f"{p.api_key.var}_{n}", n + 1
        seen.add(var)
        p.api_key = SecretRef(var)
