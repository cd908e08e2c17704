"""``llmproxy export``: the live LiteLLM as config.json + config.local.json.

Steps: read (credentials, models, router settings with their ``source``), select what this owner
may describe, fold credentials into providers and deployments into their models, export the
router entries, then load the result with llmproxy's own loader and compare it with LiteLLM
(``verify``); whatever the compact form got wrong is written literally and checked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmproxy.config.compile import INTERFACE_API, join_api_base
from llmproxy.export.access import export_access
from llmproxy.export.compact import CompactResult, compact
from llmproxy.export.guardrails import GuardrailExport, export_guardrails
from llmproxy.export.keys import export_keys
from llmproxy.export.providers import ProviderFold, fold_credentials
from llmproxy.export.router import RouterExport, export_router
from llmproxy.export.select import select
from llmproxy.export.verify import render, verify
from llmproxy.export.views import ModelView, SecretRef
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.read import EXTRAS, read_live
from llmproxy.live.model import LiveState
from llmproxy.redaction import env_var_name, hide_url_passwords, url_passwords


@dataclass(frozen=True)
class EnvVar:
    name: str
    purpose: str


@dataclass
class ExportResult:
    config: dict[str, Any]  # config.json
    local: dict[str, Any]  # config.local.json: ${VAR} references only
    env_vars: list[EnvVar] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        c = self.counts
        return (f"{c['providers']} provider(s) ({c['credentials']} credential(s)), {c['models']} model(s) "
                f"({c['compact']} in provider form, {c['literal']} in \"models\"), {c['aliases']} alias(es), "
                f"{c['fallbacks']} fallback rule(s), {c['router_settings']} router setting(s), "
                f"{c.get('teams', 0)} team(s), {c.get('users', 0)} user(s), {c.get('keys', 0)} key(s)"
                + (f", {c['guardrails']} guardrail(s)" if c.get("guardrails") else "")
                + (f", {c['public_model_hub']} public model group(s)" if c.get("public_model_hub") else ""))


def read_router_sources(client: LiteLLMClient) -> dict[str, str]:
    """``GET /router/settings`` ``source``: where each router key's value comes from
    (``db``, ``config``, ``default``, ``unset``)."""
    raw = client.get_router_settings().get("source")
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}


def read_for_export(client: LiteLLMClient) -> tuple[LiveState, dict[str, str]]:
    return read_live(client, EXTRAS, access=True, keys=True), read_router_sources(client)


@dataclass
class _Pass:
    providers: dict[str, ProviderFold]
    models: CompactResult
    router: RouterExport
    notes: list[str]
    extras: GuardrailExport


def _document(p: _Pass, owner: str, *, with_keys: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"owner": owner}
    if p.models.providers:
        doc["providers"] = {
            name: ({"api_key": p.providers[name].api_key, **cfg} if with_keys else cfg)
            for name, cfg in p.models.providers.items()}
    if p.models.literal:
        doc["models"] = [v.literal() for v in p.models.literal]
    if p.router.aliases:
        doc["aliases"] = {a: {"model": t, "hidden": True} if a in p.router.hidden else t
                          for a, t in p.router.aliases.items()}
    if p.router.fallbacks:
        doc["fallbacks"] = p.router.fallbacks
    if p.router.settings:
        doc["router_settings"] = p.router.settings
    if p.extras.guardrails:
        doc["guardrails"] = p.extras.guardrails
    if p.extras.public_model_hub:
        doc["public_model_hub"] = p.extras.public_model_hub
    return doc


def _env_vars(p: _Pass) -> list[EnvVar]:
    out = [EnvVar(f.api_key.var, "api_key of credential(s) " + ", ".join(f.credential(i) for i in f.interfaces))
           for f in p.providers.values()]
    for view in p.models.literal:
        for key, ref in view.secrets.items():
            out.append(EnvVar(ref.var, f"litellm_params.{key} of model {view.model_name} "
                                       "(LiteLLM shows it only masked)"))
    out += [EnvVar(var, purpose) for var, purpose in p.extras.secrets]
    return out


def build_export(live: LiveState, sources: Mapping[str, str], owner: str) -> ExportResult:
    """The export of ``live`` for ``owner`` (pure: no I/O besides the loader's temporary file)."""
    sel = select(live, owner)
    extras = export_guardrails(live, owner)
    skip_creds: set[str] = set()
    force_literal: set[str] = set()
    dropped: set[str] = set()
    # Every failed pass moves something: a credential out of the provider form, a deployment to
    # the literal list, or a literal deployment out; so this ends.
    for _ in range(2 * len(sel.models) + len(sel.credentials) + 2):
        providers, _, cred_notes = fold_credentials(sel.credentials, skip_creds)
        views = [v for v in sel.models if v.id not in dropped]
        models = compact(views, providers, force_literal)
        router = export_router(live, sources, owner, {v.model_name for v in views})
        current = _Pass(providers, models, router, cred_notes, extras)
        expected_creds = {f.credential(i): {"api_base": join_api_base(f.api_base, INTERFACE_API[i][0]),
                                            "custom_llm_provider": INTERFACE_API[i][1]}
                          for f in providers.values() for i in f.interfaces}
        bad = verify(_document(current, owner, with_keys=True), expected_creds, {v.identity: v for v in views})
        if not bad:
            break
        skip_creds |= bad.credentials
        dropped |= bad.models - models.compact_ids
        force_literal |= bad.models
    else:  # pragma: no cover - would take a bug in the loader or here
        raise AssertionError("export did not converge")
    notes = sel.notes + current.notes + current.router.notes + extras.notes
    notes += [f"model {v.model_name!r} (id {v.id}) cannot be written so that llmproxy reads it back "
              "unchanged; left out" for v in sel.models if v.id in dropped]
    local = {"providers": {n: {"api_key": f.api_key} for n, f in providers.items()}} if providers else {}
    env_vars = _env_vars(current)
    access = export_access(live, owner)
    document = _document(current, owner, with_keys=False)
    if access.teams:
        document["teams"] = access.teams
    if access.users:
        document["users"] = access.users
    keys = export_keys(live, owner)
    if keys.keys:
        document["keys"] = keys.keys
    return ExportResult(
        config=_url_passwords_as_vars(render(document, _reference), env_vars),
        local=_url_passwords_as_vars(render(local, _reference), env_vars),
        env_vars=env_vars,
        notes=notes + access.notes + keys.notes,
        counts={**_counts(current, views), "teams": len(access.teams), "users": len(access.users),
                "keys": len(keys.keys)},
    )


def _url_passwords_as_vars(doc: Any, env_vars: list[EnvVar], path: tuple[str, ...] = ()) -> Any:
    """Every URL password (``http://user:PASSWORD@host``) as a ``${VAR}``: never in clear in a file."""
    if isinstance(doc, dict):
        return {k: _url_passwords_as_vars(v, env_vars, (*path, str(k))) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_url_passwords_as_vars(v, env_vars, (*path, str(i))) for i, v in enumerate(doc)]
    if isinstance(doc, str) and url_passwords(doc):
        var = env_var_name(*path[-3:], "password")
        if all(e.name != var for e in env_vars):
            env_vars.append(EnvVar(var, f"the password in the URL at {'.'.join(path)}"))
        return hide_url_passwords(doc, f"${{{var}}}")
    return doc


def _reference(ref: SecretRef) -> str:
    return f"${{{ref.var}}}"


def _counts(p: _Pass, views: list[ModelView]) -> dict[str, int]:
    return {
        "providers": len(p.models.providers),
        "credentials": sum(len(f.interfaces) for f in p.providers.values()),
        "models": len(views),
        "compact": len(p.models.compact_ids),
        "literal": len(p.models.literal),
        "aliases": len(p.router.aliases),
        "fallbacks": sum(len(k.split(",")) for rule in p.router.fallbacks for k in rule),
        "router_settings": len(p.router.settings),
        "guardrails": len(p.extras.guardrails),
        "public_model_hub": len(p.extras.public_model_hub or ()),
    }
