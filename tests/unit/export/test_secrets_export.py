"""Export never writes a secret or a mask (issue 15, item 4)."""

from __future__ import annotations

from llmproxy.export.exporter import EnvVar, _url_passwords_as_vars
from llmproxy.export.views import SecretRef, litellm_params_view


def _var(key: str) -> str:
    return f"M_{key.upper()}"


def test_masked_nested_headers_become_references_not_masks() -> None:
    view = litellm_params_view({"model": "openai/x", "extra_headers": {"Authorization": "LEAK****c4ef",
                                                                       "X-Plain": "ok"}}, _var)
    assert view["extra_headers"] == {"Authorization": SecretRef("M_EXTRA_HEADERS_AUTHORIZATION"), "X-Plain": "ok"}


def test_a_models_own_api_key_that_litellm_hides_is_exported_as_a_reference() -> None:
    view = litellm_params_view({"model": "openai/x"}, _var, hidden={"api_key": "hmac-sha256:00"})
    assert view["api_key"] == SecretRef("M_API_KEY")


def test_url_passwords_are_written_as_variables() -> None:
    env: list[EnvVar] = []
    doc = _url_passwords_as_vars({"providers": {"up": {"api_base": "http://bob:s3cr3t-pw@host:9/v1"}}}, env)
    assert doc == {"providers": {"up": {"api_base": "http://bob:${PROVIDERS_UP_API_BASE_PASSWORD}@host:9/v1"}}}
    assert [e.name for e in env] == ["PROVIDERS_UP_API_BASE_PASSWORD"]
