"""${VAR}: process environment, then .env; os.environ/VAR passes through; missing vars are errors."""

from __future__ import annotations

import pytest

from llmproxy.redaction import redactor
from tests.unit.config.conftest import Workspace, provider


def _key(ws: Workspace, api_key: str, env: str | None = None, **kwargs) -> str:
    loaded = ws.load({"providers": {"p": provider(api_key=api_key)}}, env=env, **kwargs)
    return loaded.desired.credentials[0].values["api_key"]


def test_whole_value_from_process_environment(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_T_KEY", "sk-from-process-env")
    assert _key(ws, "${LLMPROXY_T_KEY}") == "sk-from-process-env"


def test_embedded_references(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_T_HOST", "gw.internal")
    monkeypatch.setenv("LLMPROXY_T_PORT", "8045")
    loaded = ws.load({"providers": {"p": provider(api_base="http://${LLMPROXY_T_HOST}:${LLMPROXY_T_PORT}/")}})
    assert loaded.desired.credentials[0].values["api_base"] == "http://gw.internal:8045"


def test_dotenv_is_read_and_process_environment_wins(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    env = "LLMPROXY_T_A=sk-from-dotenv-a\nLLMPROXY_T_B=sk-from-dotenv-b\n"
    monkeypatch.setenv("LLMPROXY_T_B", "sk-from-process-b")
    assert _key(ws, "${LLMPROXY_T_A}", env) == "sk-from-dotenv-a"
    assert _key(ws, "${LLMPROXY_T_B}", env) == "sk-from-process-b"


def test_env_file_option_picks_another_file(ws: Workspace) -> None:
    (ws.root / "other.env").write_text("LLMPROXY_T_C=sk-from-other-env\n")
    assert _key(ws, "${LLMPROXY_T_C}", env_file=ws.root / "other.env") == "sk-from-other-env"


def test_env_file_is_listed_only_when_read(ws: Workspace) -> None:
    ws.write({"owner": "x"}, env="UNUSED=1\n")
    assert ws.load().files == [ws.root / "config.json"]


def test_proxy_side_reference_passes_through_to_the_deployments(ws: Workspace) -> None:
    desired = ws.load({"providers": {"p": provider(api_key="os.environ/SOME_KEY", models={"m": None})}}).desired
    assert desired.deployments[0].litellm_params["api_key"] == "os.environ/SOME_KEY"


def test_dollar_dollar_brace_is_a_literal(ws: Workspace) -> None:
    assert _key(ws, "sk-$${NOT_A_VAR}") == "sk-${NOT_A_VAR}"


def test_missing_variable_names_variable_path_and_file(ws: Workspace) -> None:
    issues = ws.issues({"owner": "x"}, {"providers": {"p": provider(api_key="${LLMPROXY_T_MISSING}")},
                                        "keys": {"team_id": "t-${LLMPROXY_T_MISSING2}"}})
    local = ws.root / "config.local.json"
    assert issues == [
        f"{local}:providers.p.api_key: environment variable LLMPROXY_T_MISSING is not set "
        "(looked in the process environment; there is no .env file)",
        f"{local}:keys.team_id: environment variable LLMPROXY_T_MISSING2 is not set "
        "(looked in the process environment; there is no .env file)",
    ]


def test_missing_variable_does_not_hide_other_errors(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(api_key="${LLMPROXY_T_MISSING}")}, "aliases": {"a": "nope"}})
    assert len(issues) == 2
    assert "LLMPROXY_T_MISSING is not set" in issues[0]
    assert "alias 'a' points to 'nope'" in issues[1]


@pytest.mark.parametrize("value", ["${}", "${1ABC}", "${A-B}", "${UNCLOSED"])
def test_invalid_reference_is_an_error(ws: Workspace, value: str) -> None:
    issues = ws.issues({"providers": {"p": provider(api_key=value)}})
    assert "invalid variable reference" in issues[0]
    assert ":providers.p.api_key:" in issues[0]


def test_resolved_values_are_registered_as_secrets(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_T_SECRET", "sk-very-secret-value")
    _key(ws, "${LLMPROXY_T_SECRET}")
    assert redactor.scrub("leaked sk-very-secret-value here") == "leaked (sensitive) here"


def test_empty_variable_counts_as_missing_api_key(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_T_EMPTY", "")
    issues = ws.issues({"providers": {"p": provider(api_key="${LLMPROXY_T_EMPTY}")}})
    assert "provider 'p' has interfaces but no api_key" in issues[0]
