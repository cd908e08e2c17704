"""Fallbacks and access groups as clients see them: the official SDKs through the real LiteLLM,
the stand-in upstream failing models on purpose."""

from __future__ import annotations

import uuid

import anthropic
import openai
import pytest

from tests.e2e.dataplane import DataPlane, ask_anthropic, ask_openai, config, provider


def reply(model_id: str) -> str:
    return f"hello from {model_id} via the"  # what the upstream says for max_tokens=5


def fallback_config(dp: DataPlane) -> dict[str, object]:
    models: dict[str, object] = {m: {} for m in ("primary", "aliased", "left", "right", "backup", "spare")}
    return config({"up": provider(dp.upstream, models, interfaces=("openai", "anthropic"))},
                  aliases={"main": "openai/aliased"},
                  fallbacks=[{"openai/primary": ["openai/backup"]},
                             {"main": ["anthropic/spare"]},
                             {"openai/left,openai/right": ["openai/backup"]}])


@pytest.mark.parametrize("status", [500, 429])
def test_fallback_keyed_by_model_is_taken_when_the_upstream_fails(dataplane: DataPlane, status: int) -> None:
    dataplane.sync(fallback_config(dataplane))
    dataplane.upstream.fail("primary", status)
    assert ask_openai(dataplane, "openai/primary") == reply("backup")
    assert ask_anthropic(dataplane, "openai/primary") == reply("backup")
    assert ask_openai(dataplane, "openai/primary", stream=True) == reply("backup")
    attempts = [(c.model, c.status) for c in dataplane.upstream.calls if c.model in ("primary", "backup")]
    assert attempts == [("primary", status), ("backup", 200)] * 3


def test_fallback_keyed_by_alias_is_taken(dataplane: DataPlane) -> None:
    dataplane.sync(fallback_config(dataplane))
    assert ask_anthropic(dataplane, "main") == reply("aliased")  # healthy: the alias' own target
    dataplane.upstream.fail("aliased", 500)
    assert ask_anthropic(dataplane, "main") == reply("spare")
    assert ask_openai(dataplane, "main") == reply("spare")
    spare = [c for c in dataplane.upstream.calls if c.model == "spare"]
    assert [(c.api, c.status) for c in spare] == [("anthropic", 200), ("anthropic", 200)]


def test_fallback_keyed_by_a_comma_list_covers_each_source(dataplane: DataPlane) -> None:
    dataplane.sync(fallback_config(dataplane))
    dataplane.upstream.fail("left", 500)
    dataplane.upstream.fail("right", 503)
    assert ask_openai(dataplane, "openai/left") == reply("backup")
    assert ask_anthropic(dataplane, "openai/right", stream=True) == reply("backup")


def test_without_a_fallback_the_client_gets_the_upstream_error(dataplane: DataPlane) -> None:
    dataplane.sync(fallback_config(dataplane))
    dataplane.upstream.fail("spare", 500)
    with pytest.raises(openai.InternalServerError):
        ask_openai(dataplane, "anthropic/spare")
    assert {c.model for c in dataplane.upstream.calls if c.model} == {"spare"}


# -- access groups on minted keys ----------------------------------------------------------------

def access_config(dp: DataPlane) -> dict[str, object]:
    return config({"up": provider(dp.upstream, {
        "everyday": {},
        "fancy": {"access_groups": ["Premium"]},
        "both": {"access_groups": ["General", "Premium"]},
    }, interfaces=("openai", "anthropic"), access_groups=["General"])}, aliases={"daily": "openai/everyday"})


def mint(dp: DataPlane, models: str) -> str:
    proc = dp.llmproxy(["keys", "create", f"e2e-{uuid.uuid4().hex[:10]}@example.com", "--models", models,
                        "--no-defaults"])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_key_with_an_access_group_calls_its_models_and_is_refused_others(dataplane: DataPlane) -> None:
    dataplane.sync(access_config(dataplane))
    key = mint(dataplane, "General")
    for name in ("openai/everyday", "anthropic/everyday", "openai/both"):
        assert ask_openai(dataplane, name, key=key).startswith("hello from")
        assert ask_anthropic(dataplane, name, key=key, stream=True).startswith("hello from")
    before = len(dataplane.upstream.calls)
    for name in ("openai/fancy", "anthropic/fancy"):
        with pytest.raises(openai.PermissionDeniedError) as refused:
            ask_openai(dataplane, name, key=key)
        assert f"'{name}' is not available for this API key" in str(refused.value)
        with pytest.raises(anthropic.PermissionDeniedError):
            ask_anthropic(dataplane, name, key=key)
    assert len(dataplane.upstream.calls) == before  # refused by the gateway, never sent upstream


def test_a_premium_key_is_refused_general_only_models(dataplane: DataPlane) -> None:
    dataplane.sync(access_config(dataplane))
    key = mint(dataplane, "Premium")
    assert ask_openai(dataplane, "openai/fancy", key=key).startswith("hello from fancy")
    assert ask_anthropic(dataplane, "anthropic/both", key=key).startswith("hello from both")
    with pytest.raises(openai.PermissionDeniedError):
        ask_openai(dataplane, "openai/everyday", key=key)


def test_a_key_with_an_access_group_may_call_an_alias_of_its_models(dataplane: DataPlane) -> None:
    dataplane.sync(access_config(dataplane))
    key = mint(dataplane, "General")
    assert ask_openai(dataplane, "daily", key=key) == reply("everyday")
