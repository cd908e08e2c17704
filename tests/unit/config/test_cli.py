"""validate / render / schema through the real entry point: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.config.conftest import REPO, CliResult, Workspace, provider

Cli = Callable[..., CliResult]
GOOD = {"providers": {"p": provider(api_key="${LLMPROXY_T_CLI_KEY}", models={"m": None})},
        "aliases": {"best": "anthropic/m"}, "fallbacks": [{"best": ["anthropic/m"]}]}
SECRET = "sk-cli-secret-0123456789"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMPROXY_T_CLI_KEY", SECRET)


def test_validate_prints_a_one_line_summary(ws: Workspace, cli: Cli) -> None:
    ws.write(GOOD)
    result = cli("validate")
    assert result.code == 0
    assert result.out == ("valid: 1 credentials, 1 models, 1 aliases, 1 fallback rules "
                          "(owner llmproxy; read config.json)\n")
    assert result.err == ""


def test_render_redacts_secrets(ws: Workspace, cli: Cli) -> None:
    ws.write({**GOOD, "providers": {"p": provider(
        api_key="${LLMPROXY_T_CLI_KEY}", api_base="http://gw/?token=${LLMPROXY_T_CLI_KEY}", models={"m": None})}})
    result = cli("render")
    assert result.code == 0
    assert SECRET not in result.out
    rendered = json.loads(result.out)
    assert rendered["credentials"][0]["credential_values"] == {"api_key": "(sensitive)",
                                                              "api_base": "http://gw/?token=(sensitive)"}


def test_render_show_secrets(ws: Workspace, cli: Cli) -> None:
    ws.write(GOOD)
    result = cli("render", "--show-secrets")
    assert result.code == 0
    rendered = json.loads(result.out)
    assert rendered["credentials"][0]["credential_values"]["api_key"] == SECRET
    assert rendered == {
        "owner": "llmproxy",
        "credentials": [{"credential_name": "p-anthropic",
                         "credential_values": {"api_key": SECRET, "api_base": "http://gw:8045"},
                         "credential_info": {"custom_llm_provider": "Anthropic"}}],
        "models": [{"model_name": "anthropic/m",
                    "litellm_params": {"model": "anthropic/m", "litellm_credential_name": "p-anthropic"},
                    "model_info": {"base_model": "m"}}],
        "aliases": {"best": "anthropic/m"},
        "fallbacks": [{"best": ["anthropic/m"]}],
    }


def test_render_shows_proxy_side_references_where_litellm_resolves_them(ws: Workspace, cli: Cli) -> None:
    ws.write({"providers": {"p": provider(api_key="os.environ/P_KEY", models={"m": None})}})
    rendered = json.loads(cli("render").out)
    # LiteLLM never resolves os.environ/ in a stored credential: the reference is on the deployment.
    assert rendered["credentials"][0]["credential_values"] == {"api_base": "http://gw:8045"}
    assert rendered["models"][0]["litellm_params"]["api_key"] == "os.environ/P_KEY"


def test_options_pick_files(ws: Workspace, cli: Cli) -> None:
    (ws.root / "sub").mkdir()
    ws.write({"owner": "base"}, name="sub/gw.json")
    (ws.root / "over.json").write_text('{"owner": "over"}')
    result = cli("render", "--config", "sub/gw.json", "--local", "over.json")
    assert json.loads(result.out) == {"owner": "over"}


def test_schema_prints_the_committed_schema(cli: Cli) -> None:
    result = cli("schema")
    assert result.code == 0
    assert result.out == (REPO / "config.schema.json").read_text(), \
        "config.schema.json is stale: run `llmproxy schema > config.schema.json`"
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert "$delete" in schema["$defs"]["Provider"]["properties"]


ERRORS: list[tuple[str, Any, Any, str]] = [
    ("malformed json", '{"providers": {]}', None, "invalid JSON at line 1, column 16"),
    ("wrong type", {"providers": {"p": provider(api_base=8045)}}, None,
     "providers.p.api_base: expected a string, got an integer"),
    ("unknown key", {"aliasses": {}}, None, "aliasses: unknown key 'aliasses' (did you mean 'aliases'?)"),
    ("extend cycle", {"providers": {"a": {"$extend": "b"}, "b": {"$extend": "a"}}}, None,
     "providers.a.$extend: $extend cycle: a -> b -> a"),
    ("extend unknown target", {"providers": {"a": {"$extend": "zz"}}}, None,
     "providers.a.$extend: $extend target 'zz' is not a provider (chain: a -> zz)"),
    ("missing env var", {"owner": "x"}, {"providers": {"p": provider(api_key="${LLMPROXY_T_UNSET}")}},
     "config.local.json:providers.p.api_key: environment variable LLMPROXY_T_UNSET is not set"),
    ("provider without api_key", {"providers": {"p": provider(api_key=None)}}, None,
     "providers.p.api_key: provider 'p' has interfaces but no api_key"),
    ("alias target unknown", {**GOOD, "aliases": {"x": "anthropic/n"}}, None,
     "aliases.x: alias 'x' points to 'anthropic/n', which is not a model name or an alias"),
    ("alias cycle", {**GOOD, "aliases": {"x": "y", "y": "x"}}, None, "aliases.x: alias cycle: x -> y -> x"),
    ("fallback reference unknown", {**GOOD, "fallbacks": [{"best": ["gpt-5"]}]}, None,
     "fallbacks[0].best[0]: fallback target 'gpt-5' is not a model name or an alias"),
    ("duplicate deployment", {"providers": {"p": provider(models={"m": {"model_names": ["a", "a"]}})}}, None,
     "providers.p.models.m: duplicate deployment anthropic/a (anthropic/m via p-anthropic)"),
]


@pytest.mark.parametrize("base, overlay, expected", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
@pytest.mark.parametrize("command", ["validate", "render"])
def test_user_errors_exit_1_with_a_clear_message(ws: Workspace, cli: Cli, command: str, base: Any,
                                                 overlay: Any, expected: str) -> None:
    ws.write(base, overlay)
    result = cli(command)
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("error: invalid config")
    assert expected in result.err
    assert "Traceback" not in result.err
    assert SECRET not in result.err


def test_all_errors_are_reported_at_once(ws: Workspace, cli: Cli) -> None:
    ws.write({**GOOD, "aliases": {"x": "nope"}, "fallbacks": [{"best": ["gone"]}]})
    result = cli("validate")
    assert result.code == 1
    assert result.err.startswith("error: invalid config (3 errors):")
    assert "alias 'x' points to 'nope'" in result.err
    assert "fallback source 'best'" in result.err
    assert "fallback target 'gone'" in result.err


def test_console_script_in_a_subprocess(ws: Workspace) -> None:
    ws.write({"providers": {"p": provider(api_key=None)}})
    script = Path(sys.executable).with_name("llmproxy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
    proc = subprocess.run([str(script), "validate"], cwd=ws.root, capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 1
    assert "provider 'p' has interfaces but no api_key" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_names_that_look_like_markup_do_not_crash(ws: Workspace, cli: Cli) -> None:
    ws.write({"providers": {}, "aliases": {"x": "[/]y"}})
    result = cli("validate")
    assert result.code == 1
    assert "alias 'x' points to '[/]y'" in result.err


@pytest.mark.parametrize("only", ["", ",", " , "])
def test_an_empty_only_is_an_error_not_an_empty_plan(ws: Workspace, cli: Cli, only: str) -> None:
    ws.write(GOOD)
    result = cli("plan", "--only", only, "--base-url", "http://127.0.0.1:9", "--api-key", "sk-x-0123456789")
    assert result.code == 1
    assert "--only: no kind given" in result.err and "Traceback" not in result.err


def test_a_directory_or_a_symlink_loop_as_config_is_named_as_such(ws: Workspace, cli: Cli) -> None:
    ws.write(GOOD)
    (ws.root / "adir").mkdir()
    (ws.root / "loop.json").symlink_to(ws.root / "loop.json")
    (ws.root / "dangling.json").symlink_to(ws.root / "missing-target.json")
    for name, why in (("adir", "is a directory"), ("loop.json", "symbolic link loop"),
                      ("dangling.json", "broken symbolic link"), ("nothing.json", "not found")):
        result = cli("validate", "--config", name)
        assert result.code == 1 and why in result.err, (name, result.err)


def test_validate_warns_about_what_litellm_would_cost_at_zero(ws: Workspace, cli: Cli) -> None:
    models = {"gem": {"model_info": {"base_model": "gemini/gemini-2.5-flash"}},
              "priced": {"model_info": {"base_model": "gemini/gemini-2.5-flash"},
                         "litellm_params": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}}
    ws.write({"providers": {"p": provider(models=models)}})
    result = cli("validate")
    assert result.code == 0 and result.out.startswith("valid:")
    assert "warning: anthropic/gem (providers.p.models.gem) would cost $0 in LiteLLM" in result.err
    assert "anthropic/priced" not in result.err


HELP_COMMANDS = [("validate",), ("render",), ("plan",), ("sync",), ("status",), ("export",), ("probe",),
                 ("keys", "create"), ("keys", "list"), ("keys", "info"), ("keys", "update"),
                 ("keys", "rotate"), ("keys", "delete")]


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=" ".join)
def test_help_names_values_as_users_type_them_not_python_types(cli: Cli, command: tuple[str, ...],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = cli(*command, "--help")
    assert result.code == 0
    leaked = re.findall(r"<(?:str|int|float|path|bool|list\[[^\]]*\]|\w+ range)>", result.out)
    assert not leaked, result.out
    if command == ("status",):
        prune = result.out[result.out.index("--prune"):].split("\n  -")[0]
        assert "delete" not in prune and "never changes" in prune


def test_shell_completion_is_offered(cli: Cli) -> None:
    result = cli("--help")
    assert "--install-completion" in result.out and "--show-completion" in result.out
