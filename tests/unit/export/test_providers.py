"""Which credentials fold back into providers (<provider>-<interface>, exact values and info)."""

from __future__ import annotations

from llmproxy.export.providers import fold_credentials
from llmproxy.export.views import SecretRef, credential_view
from tests.unit.export.livedata import credential


def fold(*creds, skip=()):
    return fold_credentials([credential_view(c) for c in creds], set(skip))


def test_interface_suffix_is_stripped_once() -> None:
    providers, left, notes = fold(
        credential("acme-openai", "http://acme:8045/v1", "OpenAI_Compatible"),
        credential("acme-anthropic", "http://acme:8045", "Anthropic"),
        credential("g-gemini", "https://g.example/v1beta", "Google_AI_Studio"),
    )
    assert not left and not notes
    assert providers["acme"].api_base == "http://acme:8045"
    assert providers["acme"].interfaces == ["openai", "anthropic"]
    assert providers["acme"].api_key == SecretRef("ACME_API_KEY")
    assert providers["g"].api_base == "https://g.example"


def test_base_that_already_ends_in_v1_for_anthropic_is_kept_as_is() -> None:
    providers, left, _ = fold(credential("x-anthropic", "http://x/v1", "Anthropic"))
    assert providers["x"].api_base == "http://x/v1" and not left


def test_credentials_the_compiler_cannot_make_are_left_with_a_note() -> None:
    creds = [
        credential("wrong-openai", "http://x/v1", "Anthropic"),  # custom_llm_provider mismatch
        credential("extra-openai", "http://x/v1", "OpenAI_Compatible", api_version="1"),  # extra value
        credential("nobase-openai", None, "OpenAI_Compatible"),  # no api_base
        credential("slash-openai", "http://x/v1/", "OpenAI_Compatible"),  # the compiler strips "/"
        credential("suffixless-openai", "http://x", "OpenAI_Compatible"),  # the compiler would add /v1
        credential("azure-prod", "https://az", "Azure"),  # not <provider>-<interface>
    ]
    providers, left, notes = fold(*creds)
    assert providers == {}
    assert [c.name for c in left] == sorted(c.name for c in creds)
    assert len(notes) == len(creds)


def test_interfaces_of_one_provider_must_share_base_and_key() -> None:
    providers, left, notes = fold(
        credential("p-openai", "http://a/v1", "OpenAI_Compatible"),
        credential("p-anthropic", "http://b", "Anthropic"),
        credential("p-gemini", "http://a/v1beta", "Google_AI_Studio", key="sk-another-key-999"),
    )
    assert providers["p"].interfaces == ["openai"]
    assert {c.name for c in left} == {"p-anthropic", "p-gemini"}
    assert all("one of each" in n for n in notes)


def test_extra_credential_info_folds_with_a_note() -> None:
    cred = credential("p-openai", "http://a/v1", "OpenAI_Compatible")
    cred = type(cred)(cred.name, cred.values, {**cred.info, "description": "d"}, None)
    providers, left, notes = fold(cred)
    assert "p" in providers and not left and "description" in notes[0]


def test_skipped_credentials_are_left_with_a_reason() -> None:
    providers, left, notes = fold(credential("p-openai", "http://a/v1", "OpenAI_Compatible"), skip={"p-openai"})
    assert not providers and [c.name for c in left] == ["p-openai"] and "read it back" in notes[0]


def test_env_var_names_stay_unique() -> None:
    providers, _, _ = fold(credential("a-b-openai", "http://a/v1", "OpenAI_Compatible"),
                           credential("a.b-openai", "http://a/v1", "OpenAI_Compatible"))
    assert {p.api_key.var for p in providers.values()} == {"A_B_API_KEY", "A_B_API_KEY_2"}
