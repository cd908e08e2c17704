"""Which deployments LiteLLM would cost at $0 (offline rules, and against a cost map)."""

from __future__ import annotations

import shutil
from pathlib import Path

from llmproxy.config import load_config
from llmproxy.desired.model import Deployment
from llmproxy.pricing import map_problems, offline_problems, priced_by_map

REPO = Path(__file__).resolve().parents[3]
MAP = {
    "claude-sonnet-4-5": {"litellm_provider": "anthropic", "input_cost_per_token": 3e-6,
                          "output_cost_per_token": 1.5e-5},
    "gemini/gemini-2.5-flash": {"litellm_provider": "gemini", "input_cost_per_token": 3e-7},
    "gemini-2.5-flash": {"litellm_provider": "vertex_ai-language-models", "input_cost_per_token": 3e-7},
    "free-model": {"litellm_provider": "anthropic", "input_cost_per_token": 0, "output_cost_per_token": 0},
}


def dep(model: str, base_model: str | None = None, **params: object) -> Deployment:
    info = {"base_model": base_model} if base_model else {}
    return Deployment(f"x/{model}", {"model": model, **params}, info, source="providers.p.models.m")


def test_the_map_prices_by_the_deployments_provider_only() -> None:
    assert priced_by_map("anthropic", "claude-sonnet-4-5", MAP) == "claude-sonnet-4-5"
    assert priced_by_map("anthropic", "anthropic/claude-sonnet-4-5", MAP) == "claude-sonnet-4-5"
    assert priced_by_map("gemini", "gemini/gemini-2.5-flash", MAP) == "gemini/gemini-2.5-flash"
    assert priced_by_map("gemini", "gemini-2.5-flash", MAP) == "gemini/gemini-2.5-flash"
    assert priced_by_map("openai", "claude-sonnet-4-5", MAP) is None  # an anthropic entry
    assert priced_by_map("anthropic", "gemini/gemini-2.5-flash", MAP) is None
    assert priced_by_map("anthropic", "free-model", MAP) is None  # listed, but at $0
    assert priced_by_map("anthropic", "CLAUDE-SONNET-4-5", MAP) == "claude-sonnet-4-5"


def test_offline_only_a_provider_mismatch_is_certain() -> None:
    problems = offline_problems([dep("anthropic/gemini-pro", "gemini/gemini-2.5-flash"),
                                 dep("anthropic/unknown-model", "unknown-model")])
    assert [p.model_name for p in problems] == ["x/anthropic/gemini-pro"]
    assert "priced for provider 'gemini'" in str(problems[0]) and "input_cost_per_token" in str(problems[0])


def test_an_explicit_price_in_litellm_params_is_always_priced() -> None:
    priced = dep("anthropic/gemini-pro", "gemini/gemini-2.5-flash", input_cost_per_token=1e-6)
    assert offline_problems([priced]) == [] and map_problems([priced], {}) == []
    zero = dep("anthropic/gemini-pro", "gemini/gemini-2.5-flash", input_cost_per_token=0)
    assert len(offline_problems([zero])) == 1


def test_against_the_map() -> None:
    problems = map_problems([dep("anthropic/a", "claude-sonnet-4-5"), dep("openai/b", "claude-sonnet-4-5"),
                             dep("anthropic/c", "not-in-the-map"), dep("anthropic/c", "not-in-the-map")], MAP)
    assert [p.model_name for p in problems] == ["x/openai/b", "x/anthropic/c"]  # one per group and reason
    assert "no price for 'claude-sonnet-4-5' under provider 'openai'" in str(problems[0])


def test_the_bundled_config_prices_every_deployment(tmp_path: Path) -> None:
    """No provider mismatch, and every deployment is either priced explicitly or by a name the
    pinned LiteLLM's map prices (the e2e suite checks the real proxy's map and real spend)."""
    shutil.copy(REPO / "config.json", tmp_path / "config.json")
    desired = load_config(tmp_path / "config.json").desired
    assert offline_problems(desired.deployments) == []


class _Client:
    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.asked: list[tuple[str, dict[str, object]]] = []

    def get(self, path: str, **params: object) -> object:
        self.asked.append((path, params))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_plan_notes_come_from_the_proxys_own_map_or_say_it_was_not_read() -> None:
    from llmproxy.errors import NotFound
    from llmproxy.litellm.api import LiteLLMApi
    from llmproxy.manager import pricing_notes

    def read_cost_map(client: _Client) -> dict[str, object] | str:
        return LiteLLMApi(client, "llmproxy", None).read_cost_map()  # type: ignore[arg-type]

    client = _Client(MAP)
    deployments = (dep("openai/b", "claude-sonnet-4-5"), dep("anthropic/a", "claude-sonnet-4-5"))
    notes = [str(n) for n in pricing_notes(read_cost_map(client), deployments)]
    assert client.asked == [("/public/litellm_model_cost_map", {"catalog_only": "true"})]
    assert len(notes) == 1 and notes[0].startswith("unpriced: x/openai/b")
    missing = [str(n) for n in pricing_notes(read_cost_map(_Client(NotFound("no such route"))), deployments)]
    assert missing == ["pricing not checked: LiteLLM's cost map could not be read (no such route)"]


def test_every_declared_base_model_is_checked_against_the_map_as_the_successor_does() -> None:
    """The successor warns about each base_model its price map lacks; llmproxy does too, also for
    deployments its litellm_params price (those are never unpriced, but LiteLLM still reads the
    context window and capabilities from the base_model entry)."""
    from llmproxy.pricing import unknown_base_models

    priced = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    deployments = [dep("anthropic/a", "claude-sonnet-4-5", **priced),  # in the map
                   dep("anthropic/b", "Claude-Sonnet-4-5", **priced),  # LiteLLM's lookup ignores case
                   dep("anthropic/c", "anthropic/claude-sonnet-4-5", **priced),  # the provider prefix
                   dep("anthropic/d", "claude-sonet-4-5", **priced),  # misspelt
                   dep("anthropic/e", "claude-sonet-4-5", **priced),
                   dep("anthropic/f", **priced),  # no base_model declared: nothing to check
                   dep("anthropic/g", "not-in-the-map")]  # not priced at all: map_problems' note
    found = unknown_base_models(deployments, MAP)
    assert [(u.model_name, u.base_model) for u in found] == [("x/anthropic/d", "claude-sonet-4-5"),
                                                             ("x/anthropic/e", "claude-sonet-4-5")]
    assert "not in LiteLLM's cost map" in str(found[0]) and "providers.p.models.m" in str(found[0])
    assert [p.model_name for p in map_problems(deployments, MAP)] == ["x/anthropic/g"]


def test_plan_notes_an_unknown_base_model_of_an_explicitly_priced_deployment() -> None:
    from llmproxy.manager import pricing_notes

    priced = dep("anthropic/d", "claude-sonet-4-5", input_cost_per_token=1e-6)
    notes = [str(n) for n in pricing_notes(MAP, (priced,))]
    assert notes == [f"unknown base_model: {priced.model_name} (providers.p.models.m): base_model "
                     "'claude-sonet-4-5' is not in LiteLLM's cost map; LiteLLM knows neither its price nor "
                     "its context window (check the name)"]
