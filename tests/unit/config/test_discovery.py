"""Model discovery at load time, with a fake model lister: which interfaces discover, from where,
with which key; what the listed models become; and how a failure is reported."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from llmproxy.config.discovery import Listing, ListingError
from llmproxy.config.discovery.report import discovery_lines
from tests.unit.config.conftest import Workspace, provider

KEY = "sk-test-key-1234"


@dataclass
class FakeLister:
    """Answers with ``ids`` per (interface, base URL); records every call."""

    ids: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    fail: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, interface: str, base: str, key: str) -> Listing:
        self.calls.append((interface, base, key))
        url = f"{base}/v1/models"
        if (interface, base) in self.fail:
            raise ListingError(url, self.fail[(interface, base)])
        return Listing(url, tuple(self.ids.get((interface, base), [])))


def _names(ws: Workspace, config: dict[str, Any], lister: FakeLister, overlay: Any = None) -> list[str]:
    return [d.model_name for d in ws.load(config, overlay, lister=lister).desired.deployments or ()]


def test_without_discover_nothing_is_listed(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["x"]})
    assert _names(ws, {"providers": {"p": provider(models={"m": None})}}, lister) == ["anthropic/m"]
    assert lister.calls == []


def test_discovered_models_follow_the_listed_ones_with_the_provider_defaults(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["d1", "m", "d2"]})
    config = {"providers": {"p": provider(discover=True, models={"m": {"model_name": "mine"}},
                                          default_model={"model_info": {"mode": "chat"}})}}
    deployments = ws.load(config, lister=lister).desired.deployments or ()
    assert [(d.model_name, d.model, dict(d.model_info)) for d in deployments] == [
        ("anthropic/mine", "anthropic/m", {"mode": "chat", "base_model": "mine"}),
        ("anthropic/d1", "anthropic/d1", {"mode": "chat", "base_model": "d1"}),
        ("anthropic/d2", "anthropic/d2", {"mode": "chat", "base_model": "d2"}),
    ]
    assert [d.discovered_from for d in deployments] == ["", "http://gw:8045/v1/models", "http://gw:8045/v1/models"]
    assert lister.calls == [("anthropic", "http://gw:8045", KEY)]


def test_ignored_and_filtered_ids_are_not_deployed(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["claude-a", "claude-b-preview", "gemini-c", "old"]})
    config = {"providers": {"p": provider(
        discover={"include": ["claude-*", "old"], "exclude": ["*-preview"]}, models={"old": {"ignored": True}})}}
    assert _names(ws, config, lister) == ["anthropic/claude-a"]


def test_the_interface_setting_wins_over_the_providers(ws: Workspace) -> None:
    lister = FakeLister({("openai", "http://gw:8045"): ["o1"], ("anthropic", "http://gw:8045"): ["a1"]})
    config = {"providers": {"p": provider(discover=True, interfaces={
        "openai": {"discover": {"exclude": ["*"]}}, "anthropic": {"models_autofill_disabled": True},
        "gemini": {"models": {"g": None}}})}}
    lister.ids[("gemini", "http://gw:8045")] = ["g", "g2"]
    assert _names(ws, config, lister) == ["gemini/g", "gemini/g2"]
    assert [c[0] for c in lister.calls] == ["openai", "gemini"]


def test_the_successors_switch_turns_discovery_on_when_false(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1"]})
    assert _names(ws, {"providers": {"p": provider(models_autofill_disabled=False)}}, lister) == ["anthropic/a1"]


@pytest.mark.parametrize("settings, iface, url", [
    ({}, {}, "http://gw:8045"),
    ({"models_api_base": "http://list:1"}, {}, "http://list:1"),
    ({"models_api_base": "http://list:1"}, {"api_base": "http://iface:2"}, "http://iface:2"),
    ({"models_api_base": "http://list:1"}, {"api_base": "http://iface:2", "models_api_base": "http://il:3"},
     "http://il:3"),
])
def test_the_list_is_read_where_the_successor_reads_it(ws: Workspace, settings: dict[str, Any],
                                                       iface: dict[str, Any], url: str) -> None:
    lister = FakeLister({("anthropic", url): ["a1"]})
    config = {"providers": {"p": provider(discover=True, interfaces={"anthropic": iface}, **settings)}}
    assert _names(ws, config, lister) == ["anthropic/a1"]
    assert lister.calls == [("anthropic", url, KEY)]


def test_a_proxy_side_key_is_read_from_llmproxys_environment_for_discovery(ws: Workspace,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P_DISCOVERY_KEY", "sk-from-env-5678")
    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1"]})
    config = {"providers": {"p": provider(discover=True, api_key="os.environ/P_DISCOVERY_KEY")}}
    deployments = ws.load(config, lister=lister).desired.deployments or ()
    assert lister.calls == [("anthropic", "http://gw:8045", "sk-from-env-5678")]
    assert deployments[0].litellm_params["api_key"] == "os.environ/P_DISCOVERY_KEY"  # LiteLLM still resolves it


def test_a_proxy_side_key_missing_here_is_an_error(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("P_DISCOVERY_KEY", raising=False)
    issues = ws.issues({"providers": {"p": provider(discover=True, api_key="os.environ/P_DISCOVERY_KEY")}},
                       lister=FakeLister())
    assert len(issues) == 1
    assert issues[0].startswith(f"{ws.root / 'config.json'}:providers.p.api_key: model discovery runs in llmproxy "
                                "and needs the provider's api_key: P_DISCOVERY_KEY is not set")


def test_a_failed_listing_names_provider_interface_and_url_never_the_key(ws: Workspace) -> None:
    lister = FakeLister(fail={("anthropic", "http://gw:8045"): "HTTP 401 (invalid api key)"})
    issues = ws.issues({"providers": {"p": provider(discover=True)}}, {"providers": {"p": {"api_key": KEY}}},
                       lister=lister)
    assert issues == [f"{ws.root / 'config.json'}:providers.p.interfaces.anthropic: model discovery of provider "
                      "'p' interface 'anthropic' failed: GET http://gw:8045/v1/models: HTTP 401 (invalid api key)"]
    assert KEY not in "".join(issues)


def test_an_empty_list_is_refused(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(discover=True)}}, lister=FakeLister())
    assert issues == [f"{ws.root / 'config.json'}:providers.p.interfaces.anthropic: model discovery of provider "
                      "'p' interface 'anthropic': http://gw:8045/v1/models lists no models (refused: it would "
                      "remove every discovered model)"]


def test_both_switches_at_one_level_are_an_error(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(discover=True, models_autofill_disabled=True)}},
                       lister=FakeLister())
    assert issues == [f"{ws.root / 'config.json'}:providers.p.discover: set \"discover\" or "
                      "\"models_autofill_disabled\", not both"]


def test_one_listing_serves_every_interface_reading_the_same_list(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1"]})
    config = {"providers": {"p": provider(discover=True), "q": {"$extend": "p"}}}
    assert _names(ws, config, lister) == ["anthropic/a1", "anthropic/a1"]
    assert len(lister.calls) == 1


def test_extending_providers_discover_from_their_own_base(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1"], ("anthropic", "http://gw2"): ["b1"]})
    config = {"providers": {"p": provider(discover=True), "q": {"$extend": "p", "api_base": "http://gw2"}}}
    deployments = ws.load(config, lister=lister).desired.deployments or ()
    assert [(d.model_name, d.credential) for d in deployments] == [("anthropic/a1", "p-anthropic"),
                                                                   ("anthropic/b1", "q-anthropic")]


def test_discovered_models_can_be_aliased_and_are_summarised(ws: Workspace) -> None:
    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1", "a2"]})
    config = {"providers": {"p": provider(discover=True)}, "aliases": {"best": "anthropic/a2"}}
    loaded = ws.load(config, lister=lister)
    assert dict(loaded.desired.aliases or {}) == {"best": "anthropic/a2"}
    assert discovery_lines(loaded.desired.deployments or ()) == [
        "2 models discovered at http://gw:8045/v1/models (credential p-anthropic): anthropic/a1, anthropic/a2"]


def test_the_readme_example_loads_as_described(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme[readme.index("**Model discovery**"):]
    start = section.index("```jsonc\n") + len("```jsonc\n")
    example = json.loads(section[start:section.index("```", start)])
    monkeypatch.setenv("CLI_PROXY_API_KEY", "sk-cli-proxy-test")
    lister = FakeLister({("openai", "http://cli-proxy-api:8317"): ["gpt-5-codex", "gpt-5", "gpt-6-preview"]})
    deployments = ws.load(example, lister=lister).desired.deployments or ()
    assert [(d.model_name, d.discovered_from != "") for d in deployments] == [
        ("openai/gpt-5-codex", False), ("openai/codex", False), ("openai/gpt-5", True),
        ("anthropic/gpt-5-codex", False), ("anthropic/codex", False), ("anthropic/claude-opus-4-6", False)]
    assert lister.calls == [("openai", "http://cli-proxy-api:8317", "sk-cli-proxy-test")]


def test_key_defaults_load_without_reading_any_model_list(ws: Workspace) -> None:
    from llmproxy.keys.defaults import load_key_policy

    path = ws.write({"providers": {"p": provider(discover=True, api_base="http://127.0.0.1:19799")},
                     "keys": {"max_budget": 5}})
    assert load_key_policy(path, None, None).policy.defaults["max_budget"] == 5
    assert len(ws.issues()) == 1  # the same config, loaded for its deployments, reads the (dead) list


def test_a_long_list_is_summed_up_not_spelled_out() -> None:
    from llmproxy.desired.model import Deployment

    deployments = [Deployment(f"openai/m{i}", {"model": f"openai/m{i}", "litellm_credential_name": "p-openai"},
                              discovered_from="http://gw/v1/models") for i in range(15)]
    assert discovery_lines(deployments) == ["15 models discovered at http://gw/v1/models (credential p-openai): "
                                            + ", ".join(f"openai/m{i}" for i in range(12)) + " and 3 more"]


def test_key_defaults_read_the_lists_when_an_alias_names_a_discovered_model(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmproxy.config import loader
    from llmproxy.keys.defaults import load_key_policy

    lister = FakeLister({("anthropic", "http://gw:8045"): ["a1"]})
    monkeypatch.setattr(loader, "http_lister", lambda: lister)
    path = ws.write({"providers": {"p": provider(discover=True)}, "aliases": {"best": "anthropic/a1"},
                     "key_policy": {"defaults": {"max_budget": 5}}})
    assert load_key_policy(path, None, None).policy.defaults["max_budget"] == 5
    assert lister.calls  # without the list, "best" would name a model that does not exist
