"""Done when (issue 12): the repository's own config.json, synced with its providers pointed at
the stand-in upstream (one key resolved by llmproxy, one ``os.environ/`` key in the gateway's
environment), answers every exposed model name, alias and dated Claude-Code-style name through
both official SDKs, plain and streamed, with the configured key upstream, a non-zero cost on
every plain response, non-zero recorded spend for streamed ones, and budgets that bite."""

from __future__ import annotations

import anthropic
import openai
import pytest

from tests.e2e.bundled import answered, attempt, names_to_try, run_all, write_bundled
from tests.e2e.dataplane import SECRETS, DataPlane


def test_the_bundled_config_answers_every_name_it_exposes(dataplane: DataPlane) -> None:
    base = write_bundled(dataplane)
    proc = dataplane.llmproxy(["sync", "--yes"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Converged (no perpetual diff from keys LiteLLM hides or prices it mirrors), every deployment
    # priced by the proxy's own cost map, and no secret printed.
    again = dataplane.llmproxy(["plan", "--detailed-exitcode"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "unpriced" not in again.stdout + again.stderr
    assert not any(secret in proc.stdout + proc.stderr + again.stdout for secret in SECRETS)
    names = names_to_try(dataplane, base)
    assert {"claude-opus-4-7", "claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929"} <= set(names)
    outcomes, spend = run_all(dataplane, names)
    failures = [str(o) for o in outcomes if not o.ok] + [f"{n}: no spend recorded for streamed calls"
                                                         for n, s in spend.items() if s <= 0]
    assert not failures, f"{len(answered(outcomes, spend))}/{len(names)} names answered:\n" + "\n".join(failures)
    # Both ways of giving the key reach the upstream.
    assert {c.key_name for c in dataplane.upstream.calls} == {"llmproxy", "proxy-env"}
    # /v1/models lists model names and exact aliases; LiteLLM expands a wildcard there only when it
    # has a provider prefix ("anthropic/*"), so the pattern deployment claude-opus-* is not listed.
    listed = {m.id for m in dataplane.openai().models.list()}
    exact = [n for n in names if n not in {"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-5-20251101"}]
    assert set(exact) <= listed and not any("*" in m for m in listed), sorted(listed)


def test_a_small_budget_is_refused_once_spent_on_every_model(dataplane: DataPlane) -> None:
    base = write_bundled(dataplane)
    assert dataplane.llmproxy(["sync", "--yes"]).returncode == 0
    for name in names_to_try(dataplane, base):
        key = dataplane.mint_key(max_budget=0.0000001, key_alias=f"budget-{name}")
        first = attempt(dataplane, name, "openai", stream=False, key=key)
        assert first.ok, str(first)
        with pytest.raises((openai.APIStatusError, anthropic.APIStatusError)) as refused:
            dataplane.anthropic(key).messages.create(model=name, max_tokens=5,
                                                     messages=[{"role": "user", "content": "hi"}])
        assert "budget" in str(refused.value).lower(), f"{name}: {refused.value}"


def test_wildcard_names_need_the_pattern_in_a_keys_models(dataplane: DataPlane) -> None:
    """Pattern deployments carry no access groups: LiteLLM OSS refuses to mint a key for a group
    that holds one (Enterprise only). So every group stays usable, and a key reaches the wildcard
    names by listing the pattern itself."""
    write_bundled(dataplane)
    assert dataplane.llmproxy(["sync", "--yes"]).returncode == 0
    premium = dataplane.mint_key(models=["Premium"], key_alias="premium")  # no 403
    general = dataplane.mint_key(models=["General"], key_alias="general")
    opus = dataplane.mint_key(models=["Premium", "claude-opus-*"], key_alias="opus")
    assert attempt(dataplane, "anthropic/claude-opus-4-6", "anthropic", stream=False, key=premium).ok
    assert attempt(dataplane, "claude-sonnet-4-5-20250929", "openai", stream=False, key=general).ok
    assert attempt(dataplane, "claude-opus-4-7", "anthropic", stream=False, key=opus).ok
    for key in (premium, general):
        refused = attempt(dataplane, "claude-opus-4-7", "anthropic", stream=False, key=key)
        assert not refused.ok and "not available for this API key" in refused.detail, refused.detail
