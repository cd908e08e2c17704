"""What ``keys`` commands show: tables, detail views, summaries and JSON objects.

Nothing here ever shows a secret: a key is identified by its alias and the first characters of
LiteLLM's sha256 hash of it (``token``). The only secret that is ever printed is the one just
minted by ``create``/``rotate``, and that is done by the CLI, alone on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from llmproxy.keys.durations import parse_timestamp
from llmproxy.keys.lookup import short
from llmproxy.redaction import redact_mapping

# Fields never shown: the hash in full (``token``, ``token_id``), anything that may hold the secret
# (``key``, ``api_key``) and LiteLLM's masked form of it (``key_name``: "sk-...last4").
HIDDEN = frozenset({"token", "token_id", "key", "api_key", "key_name", "user"})
VIEW_FIELDS = (
    "key_alias", "token_prefix", "status", "user_id", "user_email", "team_id", "models", "spend",
    "max_budget", "budget_duration", "budget_reset_at", "rpm_limit", "tpm_limit",
    "max_parallel_requests", "expires", "blocked", "metadata", "created_at", "updated_at", "last_active",
)
TABLE_HEADERS = ("ALIAS", "USER", "TEAM", "MODELS", "SPEND / BUDGET", "BUDGET RESET", "RPM / TPM",
                 "EXPIRES", "BLOCKED", "HASH")


def dash(value: object) -> str:
    return "-" if value in (None, "", [], {}) else str(value)


def money(value: object) -> str:
    return f"${value:,.2f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "-"


def when(value: object, now: datetime | None = None) -> str:
    """A LiteLLM timestamp as ``YYYY-MM-DD HH:MM UTC`` ("expired ..." when in the past)."""
    moment = parse_timestamp(value)
    if moment is None:
        return dash(value)
    text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"expired {text}" if moment < (now or datetime.now(UTC)) else text


def user_email(row: Mapping[str, Any]) -> str | None:
    user = row.get("user")
    email = user.get("user_email") if isinstance(user, Mapping) else None
    return email if isinstance(email, str) else row.get("user_email") or None


def models_text(models: object) -> str:
    return ", ".join(str(m) for m in models) if isinstance(models, list) and models else "all"


def limit_text(value: object) -> str:
    return "unlimited" if value is None else str(value)


def budget_text(row: Mapping[str, Any]) -> str:
    cap = row.get("max_budget")
    return f"{money(row.get('spend') or 0.0)} / {money(cap) if cap is not None else 'unlimited'}"


def reset_text(row: Mapping[str, Any]) -> str:
    duration = row.get("budget_duration")
    if not duration:
        return "-"
    nxt = parse_timestamp(row.get("budget_reset_at"))
    return f"{duration} (next {nxt:%Y-%m-%d %H:%M})" if nxt else str(duration)


def expires_text(row: Mapping[str, Any], now: datetime | None = None) -> str:
    return when(row["expires"], now) if row.get("expires") else "never"


def rate_text(row: Mapping[str, Any]) -> str:
    return f"{dash(row.get('rpm_limit'))} / {dash(row.get('tpm_limit'))}"


def public_view(row: Mapping[str, Any], full: bool = False) -> dict[str, Any]:
    """A key as a JSON object without its secret; ``full`` adds every other field LiteLLM set."""
    source = {**row, "token_prefix": short(row.get("token")), "user_email": user_email(row)}
    view = {name: source.get(name) for name in VIEW_FIELDS if name in source}
    if full:
        view.update({k: v for k, v in row.items()
                     if k not in view and k not in HIDDEN and v not in (None, [], {})})
    if isinstance(view.get("metadata"), Mapping):
        view["metadata"] = redact_mapping(view["metadata"])
    return view


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Plain aligned columns (no terminal-width wrapping, so it pipes and greps well)."""
    body = [list(map(str, r)) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    lines = [headers, *body]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def keys_table(rows: Sequence[Mapping[str, Any]], now: datetime | None = None) -> str:
    return table(TABLE_HEADERS, [
        (dash(r.get("key_alias")), dash(user_email(r) or r.get("user_id")), dash(r.get("team_id")),
         models_text(r.get("models")), budget_text(r), reset_text(r), rate_text(r), expires_text(r, now),
         "yes" if r.get("blocked") else "no", short(r.get("token")))
        for r in rows
    ])


def details(row: Mapping[str, Any], now: datetime | None = None) -> list[tuple[str, str]]:
    """Label/value pairs describing a key (``keys info``, and the summary after create/update)."""
    email = user_email(row)
    user = f"{email} ({row.get('user_id')})" if email else dash(row.get("user_id"))
    metadata = redact_mapping(row.get("metadata") or {})
    pairs = [
        ("alias", dash(row.get("key_alias"))),
        ("hash", f"{short(row.get('token'))}…" if row.get("token") else "-"),
        ("status", dash(row.get("status"))),
        ("user", user),
        ("team", dash(row.get("team_id"))),
        ("models", models_text(row.get("models"))),
        ("spend / budget", budget_text(row)),
        ("budget reset", reset_text(row)),
        ("rpm limit", limit_text(row.get("rpm_limit"))),
        ("tpm limit", limit_text(row.get("tpm_limit"))),
        ("expires", expires_text(row, now)),
        ("blocked", "yes" if row.get("blocked") else "no"),
        ("metadata", ", ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}"
                               for k, v in metadata.items()) or "-"),
    ]
    if row.get("max_parallel_requests") is not None:
        pairs.insert(10, ("max parallel", str(row["max_parallel_requests"])))
    for label, name in (("created", "created_at"), ("updated", "updated_at"), ("last active", "last_active")):
        if row.get(name):
            pairs.append((label, when(row[name], now).removeprefix("expired ")))
    return [p for p in pairs if p[1] != "-" or p[0] in ("alias", "team", "user")]


def detail_text(pairs: Sequence[tuple[str, str]], indent: str = "") -> str:
    width = max(len(label) for label, _ in pairs)
    return "\n".join(f"{indent}{label + ':':<{width + 1}}  {value}" for label, value in pairs)


def annotate(pairs: Sequence[tuple[str, str]], sources: Mapping[str, str]) -> list[tuple[str, str]]:
    """Mark values that came from the config: its ``key_policy`` defaults, or the override that set
    them (``(key_policy.overrides[0] * 2)``)."""
    by_label = {"models": "models", "spend / budget": "max_budget", "budget reset": "budget_duration",
                "rpm limit": "rpm_limit", "tpm limit": "tpm_limit", "expires": "duration",
                "metadata": "metadata", "team": "team_id"}
    notes = {"config": "  (config default)", "config + flags": "  (config defaults + flags)"}

    def note(source: str) -> str:
        return notes.get(source) or (f"  ({source})" if source.startswith("key_policy.") else "")

    return [(label, value + note(sources.get(by_label.get(label, ""), ""))) for label, value in pairs]


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str, ensure_ascii=False)
