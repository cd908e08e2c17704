"""config.local.json over config.json: deep merge of objects, replacement of lists, $delete."""

from __future__ import annotations

from llmproxy.config.merge import merge, strip_directives
from llmproxy.desired.model import thaw
from tests.unit.config.conftest import Workspace, provider


def test_objects_merge_lists_and_scalars_replace() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": "keep", "c": {"n": 1}}
    over = {"a": {"y": [3], "z": True}, "c": None}
    assert merge(base, over) == {"a": {"x": 1, "y": [3], "z": True}, "b": "keep", "c": None}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": "keep", "c": {"n": 1}}  # inputs untouched


def test_delete_removes_inherited_keys_at_its_level() -> None:
    merged = merge({"a": {"x": 1, "y": 2, "z": 3}}, {"a": {"$delete": ["x", "missing"], "z": 4}})
    assert strip_directives(merged) == {"a": {"y": 2, "z": 4}}


def test_delete_and_set_the_same_key_replaces_instead_of_merging() -> None:
    merged = merge({"m": {"a": 1, "b": 2}}, {"$delete": ["m"], "m": {"c": 3}})
    assert strip_directives(merged) == {"m": {"c": 3}}


def test_delete_is_kept_for_later_merges_as_a_union() -> None:
    merged = merge({"$delete": ["a"]}, {"$delete": ["b"]})
    assert merged == {"$delete": ["a", "b"]}


def test_local_overrides_provider_fields_and_models(ws: Workspace) -> None:
    base = {"providers": {"p": provider(access_groups=["General"],
                                        models={"m1": {"model_info": {"base_model": "x", "mode": "chat"}},
                                                "m2": None})}}
    overlay = {"providers": {"p": {"access_groups": ["Team"],
                                   "models": {"m1": {"model_info": {"$delete": ["mode"]}}, "$delete": ["m2"]}}}}
    deployments = ws.load(base, overlay).desired.deployments
    assert [(d.model_name, thaw(d.model_info)) for d in deployments] == [
        ("anthropic/m1", {"base_model": "x", "access_groups": ["Team"]}),
    ]


def test_local_can_delete_a_whole_provider(ws: Workspace) -> None:
    base = {"providers": {"p": provider(), "q": provider()}}
    loaded = ws.load(base, {"providers": {"$delete": ["q"]}})
    assert [c.name for c in loaded.desired.credentials] == ["p-anthropic"]


def test_local_delete_of_an_interface(ws: Workspace) -> None:
    base = {"providers": {"p": provider(interfaces={"openai": {}, "anthropic": {}})}}
    loaded = ws.load(base, {"providers": {"p": {"interfaces": {"$delete": ["openai"]}}}})
    assert [c.name for c in loaded.desired.credentials] == ["p-anthropic"]


def test_local_replaces_lists(ws: Workspace) -> None:
    base = {"providers": {"p": provider(models={"m": None, "n": None})},
            "fallbacks": [{"anthropic/m": ["anthropic/n"]}]}
    loaded = ws.load(base, {"fallbacks": [{"anthropic/n": ["anthropic/m"]}]})
    assert [(f.source, f.targets) for f in loaded.desired.fallbacks] == [("anthropic/n", ("anthropic/m",))]
