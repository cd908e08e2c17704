"""$interface/ and $base in fallbacks (the successor scripts' shorthands)."""

from __future__ import annotations

import json
from typing import Any

from llmproxy.config import load_config
from tests.unit.config.conftest import Workspace, provider


def _config(fallbacks: Any) -> dict[str, Any]:
    names = ["primary", "secondary", "tertiary", "backup"]
    return {"providers": {"svc": provider(interfaces={"anthropic": {}, "openai": {}},
                                          models={n: None for n in names})},
            "fallbacks": fallbacks}


def _rules(ws: Workspace, config: Any, overlay: Any = None) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.source, r.targets) for r in ws.load(config, overlay).desired.fallbacks or ()]


def test_interface_source_expands_per_interface_and_targets_follow_it(ws: Workspace) -> None:
    config = _config([{"$interface/primary": ["$interface/secondary", "$interface/tertiary"]}])
    assert _rules(ws, config) == [
        ("anthropic/primary", ("anthropic/secondary", "anthropic/tertiary")),
        ("openai/primary", ("openai/secondary", "openai/tertiary")),
    ]


def test_interface_target_takes_each_concrete_sources_interface(ws: Workspace) -> None:
    config = _config([{"anthropic/primary,openai/primary": ["$interface/secondary", "openai/backup"]}])
    assert _rules(ws, config) == [
        ("anthropic/primary", ("anthropic/secondary", "openai/backup")),
        ("openai/primary", ("openai/secondary", "openai/backup")),
    ]


def test_base_stands_for_the_rule_of_the_list_this_one_replaces(ws: Workspace) -> None:
    config = _config([{"$interface/primary": ["$interface/secondary"]},
                      {"anthropic/backup,openai/backup": ["anthropic/primary"]}])
    local = {"fallbacks": [{"$interface/primary": ["$base", "$interface/tertiary"]},
                           {"anthropic/backup": ["$base", "openai/primary"]}]}
    assert _rules(ws, config, local) == [
        ("anthropic/primary", ("anthropic/secondary", "anthropic/tertiary")),
        ("openai/primary", ("openai/secondary", "openai/tertiary")),
        ("anthropic/backup", ("anthropic/primary", "openai/primary")),
    ]


def test_base_across_layers_uses_the_merged_earlier_layers(ws: Workspace) -> None:
    base = ws.write(_config([{"anthropic/primary": ["anthropic/secondary"]}]))
    (ws.root / "team.json").write_text(json.dumps({"fallbacks": [{"anthropic/primary": ["$base",
                                                                                         "anthropic/backup"]}]}))
    loaded = load_config([base, ws.root / "team.json"])
    assert [(r.source, r.targets) for r in loaded.desired.fallbacks or ()] == [
        ("anthropic/primary", ("anthropic/secondary", "anthropic/backup"))]


def test_unresolvable_shorthands_are_refused_naming_the_file(ws: Workspace) -> None:
    config = _config([{"anthropic/primary": ["anthropic/secondary"]}])
    local = {"fallbacks": [{"anthropic/tertiary": ["$base"]}, {"primary": ["$interface/secondary"]}]}
    issues = ws.issues(config, local)
    local_file = ws.root / "config.local.json"
    assert f"{local_file}:fallbacks[0].anthropic/tertiary: '$base' in the fallbacks of 'anthropic/tertiary': the " \
           f"fallbacks it replaces have no rule for 'anthropic/tertiary' (written in {local_file})" in issues
    assert f"{local_file}:fallbacks[1].primary[0]: fallback target '$interface/secondary' takes its interface " \
           "from the source, but 'primary' names no interface" in issues
    local_file.unlink()
    only_base = ws.issues(_config([{"anthropic/primary": ["$base"]}]))
    assert any("'$base' in the fallbacks of 'anthropic/primary': no earlier config layer has fallbacks" in i
               for i in only_base)
