"""The top-level ``credentials`` list (the successor scripts' form): extra managed credentials."""

from __future__ import annotations

from typing import Any

from llmproxy.redaction import redactor
from tests.unit.config.conftest import Workspace, provider

LITERAL = {"credential_name": "azure-eu", "credential_values": {"api_base": "http://azure:1", "api_key": "${AZ_KEY}"},
           "credential_info": {"custom_llm_provider": "azure"}}


def _creds(ws: Workspace, config: dict[str, Any], env: str | None = None) -> list[dict[str, Any]]:
    return ws.load(config, {}, env).desired.to_json(show_secrets=True)["credentials"]


def test_listed_credentials_come_before_the_providers_and_resolve_variables(ws: Workspace) -> None:
    creds = _creds(ws, {"providers": {"gw": provider()}, "credentials": [LITERAL]}, env="AZ_KEY=sk-az-secret-99\n")
    assert [c["credential_name"] for c in creds] == ["azure-eu", "gw-anthropic"]
    assert creds[0] == {**LITERAL, "credential_values": {"api_base": "http://azure:1", "api_key": "sk-az-secret-99"}}
    assert "sk-az-secret-99" not in redactor.scrub("key sk-az-secret-99")  # kept secret like a provider key


def test_credentials_alone_are_managed_and_a_missing_info_is_empty(ws: Workspace) -> None:
    entry = {"credential_name": "x", "credential_values": {"api_base": "http://x:1"}}
    assert _creds(ws, {"credentials": [entry]}) == [{**entry, "credential_info": {}}]


def test_a_name_a_provider_generates_is_refused_with_both_paths(ws: Workspace) -> None:
    clash = {"credential_name": "gw-anthropic", "credential_values": {"api_base": "http://x:1"}}
    [issue] = ws.issues({"providers": {"gw": provider()}, "credentials": [clash]}, {})
    assert "credentials[0].credential_name" in issue and "providers.gw.interfaces.anthropic" in issue


def test_a_name_listed_twice_is_refused_at_the_second(ws: Workspace) -> None:
    entry = {"credential_name": "x", "credential_values": {"api_base": "http://x:1"}}
    [issue] = ws.issues({"credentials": [entry, entry]}, {})
    assert "credentials[1].credential_name" in issue and "credentials[0]" in issue.split(":", 2)[-1]


def test_an_os_environ_value_is_refused_since_litellm_never_resolves_it_in_a_credential(ws: Workspace) -> None:
    entry = {"credential_name": "x", "credential_values": {"api_key": "os.environ/X_KEY"}}
    [issue] = ws.issues({"credentials": [entry]}, {})
    assert "credentials[0].credential_values.api_key" in issue and "${VAR}" in issue


def test_a_deployment_may_use_a_listed_credential(ws: Workspace) -> None:
    config = {"credentials": [{"credential_name": "x", "credential_values": {"api_base": "http://x:1"}}],
              "models": [{"model_name": "m", "litellm_params": {"model": "openai/m", "litellm_credential_name": "x"}}]}
    [deployment] = ws.load(config, {}).desired.deployments or ()
    assert deployment.credential == "x"


def test_an_entry_without_values_is_refused_with_its_path(ws: Workspace) -> None:
    [issue] = ws.issues({"credentials": [{"credential_name": "x"}]}, {})
    assert "credentials[0].credential_values" in issue
