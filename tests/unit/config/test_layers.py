"""Config layers: --config A --config B and "include", each with its local file, merged in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmproxy.config import load_config
from tests.unit.config.conftest import CliResult, Workspace, provider


def put(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_every_committed_layer_precedes_every_local_one_in_declared_order(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {"router_settings": {"timeout": 1}})
    first = put(ws.root / "first.json", {"router_settings": {"timeout": 2, "num_retries": 1}})
    second = put(ws.root / "second.json", {"router_settings": {"timeout": 3, "num_retries": 2}})
    put(ws.root / "first.local.json", {"router_settings": {"timeout": 4, "allowed_fails": 1}})
    put(ws.root / "second.local.json", {"router_settings": {"allowed_fails": 2}})

    loaded = load_config([base, first, second])

    # second (committed) wins over first; first's local wins over every committed file.
    assert loaded.desired.router_settings == {"timeout": 4.0, "num_retries": 2, "allowed_fails": 2}
    assert loaded.files == [base, first, second, ws.root / "first.local.json", ws.root / "second.local.json"]


def test_include_lists_fragments_relative_to_the_base_with_their_local_files(ws: Workspace) -> None:
    put(ws.root / "integrations/gw/config.json", {"providers": {"gw": provider(api_key=None)}})
    put(ws.root / "integrations/gw/config.local.json", {"providers": {"gw": {"api_key": "sk-local-1234"}}})
    base = put(ws.root / "config.json", {"include": ["integrations/gw/config.json"], "aliases": {}})

    loaded = load_config(base)

    assert [c.name for c in loaded.desired.credentials or ()] == ["gw-anthropic"]
    assert loaded.files == [base, ws.root / "integrations/gw/config.json",
                            ws.root / "integrations/gw/config.local.json"]


def test_delete_in_a_later_layer_removes_what_an_earlier_one_wrote(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {"providers": {"a": provider(), "b": provider()}})
    later = put(ws.root / "later.json", {"providers": {"$delete": ["b"]}})
    loaded = load_config([base, later])
    assert [c.name for c in loaded.desired.credentials or ()] == ["a-anthropic"]


def test_errors_name_the_layer_that_wrote_the_value(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {"include": ["parts/router.json"],
                                         "providers": {"p": provider(models={"m": None})}})
    put(ws.root / "parts/router.json", {"router_settings": {"num_retries": "two"}})
    put(ws.root / "parts/router.local.json", {"aliases": {"x": "missing-model"}})
    issues = ws.issues(config=base)
    assert any(i.startswith(f"{ws.root / 'parts/router.json'}:router_settings.num_retries: expected an integer")
               for i in issues), issues
    put(ws.root / "parts/router.json", {"router_settings": {"num_retries": 2}})
    issues = ws.issues(config=base)
    assert issues == [f"{ws.root / 'parts/router.local.json'}:aliases.x: alias 'x' points to 'missing-model', "
                      "which is not a model name or an alias"]


def test_include_is_refused_where_it_would_be_ambiguous(ws: Workspace) -> None:
    put(ws.root / "part.json", {"include": ["other.json"]})
    put(ws.root / "other.json", {})
    base = put(ws.root / "config.json", {"include": ["part.json", "missing.json"]})
    put(ws.root / "config.local.json", {"include": ["other.json"]})
    issues = ws.issues(config=base)
    assert f"{ws.root / 'part.json'}:include: 'include' is not allowed in an included file: only files named " \
           "with --config include others" in issues
    assert f"{ws.root / 'config.local.json'}:include: 'include' is not allowed in a local override file: only " \
           "files named with --config include others" in issues
    assert any(i.startswith(f"{base}:include[1]: included file") and "missing.json" in i for i in issues)


def test_a_file_read_twice_is_an_error(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {"include": ["config.json"]})
    assert ws.issues(config=base) == [f"{base}: read twice as a config layer (first --config)"]


def test_a_missing_extra_layer_is_an_error(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {})
    assert ws.issues(config=[base, ws.root / "nope.json"]) == \
        [f"{ws.root / 'nope.json'}: config file not found (--config)"]


def test_every_command_takes_repeated_config(ws: Workspace, cli: Callable[..., CliResult]) -> None:
    put(ws.root / "a.json", {"owner": "first"})
    put(ws.root / "b.json", {"owner": "second"})
    result = cli("validate", "--config", "a.json", "-c", "b.json")
    assert result.code == 0, result.err
    assert "owner second; read a.json, b.json" in result.out
    rendered = cli("render", "-c", "a.json", "-c", "b.json")
    assert json.loads(rendered.out)["owner"] == "second"


def test_local_names_the_first_layers_override_the_others_keep_theirs(ws: Workspace) -> None:
    base = put(ws.root / "config.json", {"owner": "base"})
    put(ws.root / "config.local.json", {"owner": "default-local"})
    team = put(ws.root / "team.json", {"router_settings": {"timeout": 1}})
    put(ws.root / "team.local.json", {"router_settings": {"timeout": 2}})
    chosen = put(ws.root / "chosen.json", {"owner": "chosen"})
    loaded = load_config([base, team], local=chosen)
    assert loaded.desired.owner == "chosen"
    assert loaded.desired.router_settings == {"timeout": 2.0}
    assert loaded.files == [base, team, chosen, ws.root / "team.local.json"]
