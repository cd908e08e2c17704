"""``llmproxy keys create | list | info | update | rotate | delete``: LiteLLM virtual keys by alias.

A minted secret is written once, alone, to stdout (``KEY=$(llmproxy keys create ada@example.com)``);
every message goes to stderr. ``--output json`` prints one JSON object instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from llmproxy.cli.common import (
    ApiKeyFileOpt,
    ApiKeyOpt,
    BaseUrlOpt,
    ConfigOpt,
    EnvFileOpt,
    LocalOpt,
    TimeoutOpt,
    err,
    interactive,
)
from llmproxy.errors import Aborted, LLMProxyError, NotFound
from llmproxy.keys import render, users
from llmproxy.keys.defaults import CreatePolicy, load_key_policy
from llmproxy.keys.lookup import find_key, key_scope, list_keys, scope_hint, short
from llmproxy.keys.model_names import unknown_models
from llmproxy.keys.rotate import RotationIncomplete, rotate_key
from llmproxy.keys.service import Minted, create_key, delete_key, key_info, new_key, update_key
from llmproxy.keys.values import KeySettings
from llmproxy.litellm.client import LiteLLMClient, open_client
from llmproxy.litellm.connection import DEFAULT_TIMEOUT


class Output(str, Enum):
    text = "text"
    json = "json"


KeyArg = Annotated[str, typer.Argument(
    metavar="ALIAS", help="The key's alias (or its sk- token, sha256 hash, or shown hash prefix).", show_default=False)]
OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="text, or one JSON object.")]
ModelsOpt = Annotated[list[str] | None, typer.Option(
    "--models", metavar="M1,M2", help="Models the key may call (comma-separated or repeated; '' = all).",
    show_default=False)]
StrictOpt = Annotated[bool, typer.Option(
    "--strict/--allow-unknown-models", help="Refuse a --models name that is no model, alias or access group "
    "in LiteLLM (a key limited to it would work for nothing); --allow-unknown-models only warns.")]
MaxBudgetOpt = Annotated[str | None, typer.Option(
    "--max-budget", metavar="USD", help="Spend cap in USD ('none' = no cap).", show_default=False)]
BudgetDurationOpt = Annotated[str | None, typer.Option(
    "--budget-duration", metavar="DURATION", help="Budget reset period: 1h, 7d, 30d, 1mo... ('none' = never).",
    show_default=False)]
RpmOpt = Annotated[str | None, typer.Option(
    "--rpm-limit", metavar="N", help="Requests per minute ('none' = unlimited).", show_default=False)]
TpmOpt = Annotated[str | None, typer.Option(
    "--tpm-limit", metavar="N", help="Tokens per minute ('none' = unlimited).", show_default=False)]
DurationOpt = Annotated[str | None, typer.Option(
    "--duration", metavar="DURATION", help="Valid for this long from now: 90d, 12h... ('never' = no expiry).",
    show_default=False)]
MetadataOpt = Annotated[list[str] | None, typer.Option(
    "--metadata", metavar="K=V", help="Metadata pair (repeatable).", show_default=False)]

app = typer.Typer(name="keys", help="LiteLLM virtual keys: create, list, info, update, rotate, delete.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="keys")


@contextmanager
def _client(base_url: str | None, api_key: str | None, env_file: Path | None,
            timeout: float) -> Iterator[LiteLLMClient]:
    client, _ = open_client(base_url, api_key, env_file, timeout=timeout)
    with client:
        yield client


def _settings(models: list[str] | None, max_budget: str | None, budget_duration: str | None,
              rpm_limit: str | None, tpm_limit: str | None, duration: str | None,
              metadata: list[str] | None, team_id: str | None = None) -> KeySettings:
    return KeySettings.parse(models=models or None, max_budget=max_budget, budget_duration=budget_duration,
                             rpm_limit=rpm_limit, tpm_limit=tpm_limit, duration=duration,
                             metadata=metadata or None, team_id=team_id)


def _check_models(client: LiteLLMClient, models: tuple[str, ...] | None, strict: bool) -> None:
    """Warn (or with ``--strict`` refuse) about names LiteLLM would not route for the key."""
    problems = unknown_models(client, models or ())
    if problems and strict:
        raise LLMProxyError("--models: " + "; ".join(problems),
                            hint="use model names, aliases or access groups LiteLLM has (see `llmproxy status`), "
                                 "or pass --allow-unknown-models for a name LiteLLM will have later")
    for problem in problems:
        _say(f"warning: --models: {problem}; the key cannot use it")


def _say(text: str) -> None:
    """A message for the person running the command: stderr, printed as is."""
    err.print(text, markup=False, emoji=False, highlight=False)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _emit_minted(minted: Minted, output: Output, extra: dict[str, Any]) -> None:
    """The secret, once: alone on stdout, or inside the one JSON object."""
    if output is Output.json:
        _write(render.to_json({"key": minted.key, **render.public_view(minted.row), **extra}))
    else:
        _write(minted.key)


@app.command("create")
def create(
    email: Annotated[str | None, typer.Argument(
        metavar="EMAIL", help="The user's email (found exactly, created if missing).", show_default=False)] = None,
    user_id: Annotated[str | None, typer.Option(
        "--user-id", metavar="USER_ID", help="The user's id instead of an email.", show_default=False)] = None,
    alias: Annotated[str | None, typer.Option(
        "--alias", metavar="ALIAS", help="Unique key alias [default: email's local part].",
        show_default=False)] = None,
    models: ModelsOpt = None,
    team_id: Annotated[str | None, typer.Option(
        "--team-id", metavar="TEAM_ID", help="Team the key belongs to.", show_default=False)] = None,
    max_budget: MaxBudgetOpt = None, budget_duration: BudgetDurationOpt = None,
    rpm_limit: RpmOpt = None, tpm_limit: TpmOpt = None, duration: DurationOpt = None,
    metadata: MetadataOpt = None,
    key: Annotated[str | None, typer.Option(
        "--key", metavar="VALUE", help="Use this secret (sk-..., 16+ chars).", show_default=False)] = None,
    strict: StrictOpt = True,
    no_defaults: Annotated[bool, typer.Option(
        "--no-defaults", help="Ignore the config's key_policy (defaults and overrides).")] = False,
    output: OutputOpt = Output.text, config: ConfigOpt = None, local: LocalOpt = None,
    env_file: EnvFileOpt = None, base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Mint a key for a user (found by exact email or id, created if missing). Prints the key once.

    Limits not given come from the config's key_policy, resolved as sync resolves them for a declared
    key with this alias, user and team: the defaults, then every override whose match selects it."""
    flags = _settings(models, max_budget, budget_duration, rpm_limit, tpm_limit, duration, metadata, team_id)
    policy = CreatePolicy() if no_defaults else load_key_policy(config, local, env_file)
    with _client(base_url, api_key, env_file, timeout) as client:
        new = new_key(client, email=email, user_id=user_id, alias=alias, team_id=flags.team_id or policy.team_id,
                      custom_key=key)
        settings, sources = policy.settings(flags, alias=new.alias, user=new.user_email, team=new.team)
        _check_models(client, settings.models, strict)
        minted = create_key(client, new, settings, sources)
    user = minted.user
    assert user is not None
    minted.row = {**minted.row, "user_email": user.email}
    _emit_minted(minted, output, {"user_created": user.created,
                                  "from_config": sorted(k for k, v in sources.items() if v != "flag")})
    if output is Output.text:
        _say(f"Created key {minted.row.get('key_alias')!r} for {user.label}{', new user' if user.created else ''}:")
        pairs = [p for p in render.details(minted.row) if p[0] not in ("alias", "status", "user", "created", "updated")]
        _say(render.detail_text(render.annotate(pairs, sources), indent="  "))
        _say("The key was printed once on stdout; it cannot be shown again.")


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option(
        "--user", metavar="EMAIL", help="Only this user's keys (email or id).", show_default=False)] = None,
    team: Annotated[str | None, typer.Option(
        "--team", metavar="TEAM_ID", help="Only this team's keys.", show_default=False)] = None,
    output: OutputOpt = Output.text, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """All keys (every page): alias, user, team, models, spend/budget, limits, expiry. No secrets."""
    with _client(base_url, api_key, env_file, timeout) as client:
        user_ids: list[str | None] = [None]
        if user and "@" in user:
            found = users.find_by_email(client, users.parse_email(user))
            if not found:
                raise NotFound(f"no LiteLLM user with email {user}")
            user_ids = [u.user_id for u in found]
        elif user:
            user_ids = [user]
        rows = [r for uid in user_ids for r in list_keys(client, user_id=uid, team_id=team)]
        scope = key_scope(client)
    if scope:
        _say(f"note: {scope_hint(scope)}; only the keys it can see are listed")
    rows.sort(key=lambda r: (str(r.get("key_alias") or "~"), str(r.get("token"))))
    if output is Output.json:
        _write(render.to_json({"count": len(rows), "keys": [render.public_view(r) for r in rows]}))
    elif rows:
        _write(render.keys_table(rows))
    else:
        _say("no keys" + (" match the filter" if user or team else ""))


@app.command("info")
def info(
    alias: KeyArg,
    output: OutputOpt = Output.text, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """One key in full detail (never its secret)."""
    with _client(base_url, api_key, env_file, timeout) as client:
        row = key_info(client, alias)
    if output is Output.json:
        _write(render.to_json(render.public_view(row, full=True)))
    else:
        _write(render.detail_text(render.details(row)))


@app.command("update")
def update(
    alias: KeyArg,
    models: ModelsOpt = None,
    max_budget: MaxBudgetOpt = None, budget_duration: BudgetDurationOpt = None,
    rpm_limit: RpmOpt = None, tpm_limit: TpmOpt = None, duration: DurationOpt = None,
    metadata: MetadataOpt = None,
    new_alias: Annotated[str | None, typer.Option(
        "--alias", metavar="NEW_ALIAS", help="Rename the key.", show_default=False)] = None,
    blocked: Annotated[bool | None, typer.Option(
        "--block/--unblock", help="Refuse / allow requests with the key.", show_default=False)] = None,
    strict: StrictOpt = True,
    output: OutputOpt = Output.text, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Change a key's models, budget, limits, expiry or metadata in place (same secret)."""
    settings = _settings(models, max_budget, budget_duration, rpm_limit, tpm_limit, duration, metadata)
    with _client(base_url, api_key, env_file, timeout) as client:
        _check_models(client, settings.models, strict)
        row = update_key(client, alias, settings, new_alias=new_alias, blocked=blocked)
    if output is Output.json:
        _write(render.to_json(render.public_view(row)))
    else:
        _say(f"Updated key {row.get('key_alias') or short(row.get('token'))!r}:")
        _say(render.detail_text(render.details(row), indent="  "))


@app.command("rotate")
def rotate(
    alias: KeyArg,
    output: OutputOpt = Output.text, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """A new secret for the same alias and limits; the old one stops working. Prints the key once."""
    with _client(base_url, api_key, env_file, timeout) as client:
        try:
            minted = rotate_key(client, alias)
        except RotationIncomplete as exc:
            _emit_minted(exc.minted, output, {"rotation": "incomplete"})
            raise
    _emit_minted(minted, output, {"rotation": minted.method})
    if output is Output.text:
        how = ("LiteLLM regenerated it" if minted.method == "regenerate" else
               "a new key with the same settings replaced it (/key/regenerate is Enterprise-only)")
        _say(f"Rotated key {minted.row.get('key_alias') or short(minted.row.get('token'))!r}: {how}. "
             "The old key no longer works; the new one was printed once on stdout.")


@app.command("delete")
def delete(
    alias: KeyArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: OutputOpt = Output.text, env_file: EnvFileOpt = None,
    base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Delete a key: requests with it are refused from then on."""
    with _client(base_url, api_key, env_file, timeout) as client:
        row = find_key(client, alias)
        name = row.get("key_alias") or short(row.get("token"))
        owner = render.user_email(row) or row.get("user_id") or "no user"
        if not yes:
            if not interactive():
                raise Aborted(f"not deleting key {name!r} without confirmation",
                              hint="pass --yes to delete without a prompt")
            if not typer.confirm(f"Delete key {name!r} ({owner}, hash {short(row.get('token'))})? "
                                 "Requests with it will be refused.", default=False, err=True):
                raise Aborted(f"key {name!r} was not deleted")
        delete_key(client, row)
    if output is Output.json:
        _write(render.to_json({"deleted": True, **render.public_view(row)}))
    else:
        _say(f"Deleted key {name!r} ({owner}).")
