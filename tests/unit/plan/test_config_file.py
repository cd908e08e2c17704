"""The LiteLLM config.yaml target never writes a secret: ${VAR} values become os.environ/VAR,
other secrets (nested ones too) a derived variable that is listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from llmproxy.desired.model import Credential, Deployment, DesiredState, FallbackRule
from llmproxy.litellm.config_file import render_litellm_config
from llmproxy.redaction import redactor


@pytest.fixture(autouse=True)
def clean_redactor() -> Iterator[None]:
    redactor.clear()
    yield
    redactor.clear()


def test_secrets_become_environment_references_and_nothing_else_changes() -> None:
    redactor.add("sk-from-a-variable-123", "PROVIDER_KEY")
    desired = DesiredState(
        credentials=(Credential("p-openai", {"api_key": "sk-from-a-variable-123", "api_base": "http://u/v1"},
                                {"custom_llm_provider": "OpenAI_Compatible"}),),
        deployments=(Deployment("m", {"model": "openai/m", "litellm_credential_name": "p-openai",
                                      "extra_headers": {"Authorization": "Bearer literal-secret-456"}},
                                {"base_model": "m"}),),
        aliases={"fast": "m"}, fallbacks=(FallbackRule("fast", ("m",)),), router_settings={"num_retries": 3})
    result = render_litellm_config(desired)
    text = result.yaml()
    assert "sk-from-a-variable-123" not in text and "literal-secret-456" not in text
    doc = yaml.safe_load(text)
    assert doc["credential_list"][0]["credential_values"] == {"api_key": "os.environ/PROVIDER_KEY",
                                                             "api_base": "http://u/v1"}
    headers = doc["model_list"][0]["litellm_params"]["extra_headers"]
    assert headers == {"Authorization": "os.environ/M_EXTRA_HEADERS_AUTHORIZATION"}
    assert [n.name for n in result.needs] == ["M_EXTRA_HEADERS_AUTHORIZATION"]
    assert doc["router_settings"] == {"model_group_alias": {"fast": "m"}, "fallbacks": [{"fast": ["m"]}],
                                      "num_retries": 3}


def test_omitted_sections_are_left_out() -> None:
    assert render_litellm_config(DesiredState(aliases={"a": "b"})).document == {
        "router_settings": {"model_group_alias": {"a": "b"}}}


def test_guardrails_and_the_public_hub_go_where_litellm_reads_them_without_secrets() -> None:
    from llmproxy.desired.model import Guardrail

    desired = DesiredState(guardrails=(Guardrail("g", {"guardrail": "lakera_v2", "mode": "pre_call",
                                                       "api_key": "literal-guardrail-secret-789"}),),
                           public_model_groups=("m",))
    result = render_litellm_config(desired)
    assert "literal-guardrail-secret-789" not in result.yaml()
    assert result.document == {
        "guardrails": [{"guardrail_name": "g", "litellm_params": {
            "guardrail": "lakera_v2", "mode": "pre_call", "api_key": "os.environ/GUARDRAIL_G_API_KEY"}}],
        "litellm_settings": {"public_model_groups": ["m"]}}
    assert [n.name for n in result.needs] == ["GUARDRAIL_G_API_KEY"]
