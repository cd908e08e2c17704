"""Finding and reading the files: defaults, explicit paths, JSON syntax errors with positions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmproxy.config import load_config
from llmproxy.config.files import local_path_for
from llmproxy.errors import ConfigError
from tests.unit.config.conftest import Workspace, provider


def test_malformed_json_reports_file_line_and_column(ws: Workspace) -> None:
    ws.write('{\n  "providers": {\n    "a": {,}\n  }\n}\n')
    issues = ws.issues()
    assert len(issues) == 1
    assert issues[0].startswith(str(ws.root / "config.json"))
    assert "invalid JSON at line 3, column 11" in issues[0]


def test_both_files_malformed_reports_both(ws: Workspace) -> None:
    ws.write("{", "[1,")
    issues = ws.issues()
    assert [i.split(":")[0] for i in issues] == [str(ws.root / "config.json"), str(ws.root / "config.local.json")]


def test_top_level_must_be_an_object(ws: Workspace) -> None:
    assert "the file must hold a JSON object, got an array" in ws.issues([])[0]


@pytest.mark.parametrize("text, expected", [
    ('{"owner": NaN}', "NaN is not valid JSON"),
    ('{"owner": 1e999}', "number 1e999 is out of range"),
])
def test_non_standard_json_is_rejected(ws: Workspace, text: str, expected: str) -> None:
    assert expected in ws.issues(text)[0]


def test_absurd_nesting_is_an_error(ws: Workspace) -> None:
    nested = '{"models": [{"model_name": "x", "litellm_params": {"model": "m", "x": ' + "[" * 900 + "]" * 900 + "}}]}"
    assert ws.issues(nested) == [f"{ws.root / 'config.json'}: nested more than 64 levels deep"]
    assert "nested too deeply" in ws.issues("[" * 100_000 + "]" * 100_000)[0]


def test_duplicate_key_in_an_object_is_an_error(ws: Workspace) -> None:
    issues = ws.issues('{"aliases": {"a": "m", "a": "n"}}')
    assert any("duplicate key 'a'" in i for i in issues)


def test_missing_default_config(ws: Workspace) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "config.json: config file not found (pass --config PATH)" in str(caught.value)


def test_explicit_local_and_env_file_must_exist(ws: Workspace) -> None:
    ws.write({})
    issues = ws.issues(local=ws.root / "x.local.json", env_file=ws.root / "nope.env")
    assert any("x.local.json: local override file not found" in i for i in issues)
    assert any("nope.env: env file not found" in i for i in issues)


def test_default_local_is_the_sibling_of_the_config(ws: Workspace) -> None:
    assert local_path_for(Path("dir/prod.json")) == Path("dir/prod.local.json")
    ws.write({"owner": "base"}, {"owner": "local"}, name="prod.json")
    loaded = load_config(config=ws.root / "prod.json")
    assert loaded.desired.owner == "local"
    assert loaded.files == [ws.root / "prod.json", ws.root / "prod.local.json"]


def test_default_paths_are_relative_to_the_working_directory(ws: Workspace) -> None:
    ws.write({"providers": {"p": provider(api_key="${KEY_FROM_DOTENV}")}},
             {"owner": "mine"}, env="KEY_FROM_DOTENV=sk-dotenv-secret\n")
    loaded = load_config()
    assert loaded.desired.owner == "mine"
    assert loaded.desired.credentials[0].values["api_key"] == "sk-dotenv-secret"
    assert loaded.files == [Path("config.json"), Path("config.local.json"), Path(".env")]


def test_absent_local_file_is_fine(ws: Workspace) -> None:
    loaded = ws.load({"owner": "x"})
    assert loaded.files == [ws.root / "config.json"]


def test_schema_key_is_ignored(ws: Workspace) -> None:
    loaded = ws.load({"$schema": "./config.schema.json"}, {"$schema": "whatever"})
    assert json.dumps(loaded.desired.to_json()) == '{"owner": "llmproxy"}'
