"""Values LiteLLM refuses (422 at apply time) or drops are config errors, with the JSON path."""

from __future__ import annotations

from tests.unit.config.conftest import Workspace, provider


def test_a_tier_litellm_does_not_know_is_refused_at_its_path(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"m": {"model_info": {"tier": "gold"}}})}})
    assert len(issues) == 1
    assert "config.json:providers.p.models.m.model_info.tier: model_info.tier: LiteLLM would refuse 'gold'" in issues[0]
    assert "'free' or 'paid'" in issues[0]


def test_typed_params_and_ranges(ws: Workspace) -> None:
    models = {"a": {"litellm_params": {"rpm": "lots", "max_retries": 1.5}},
              "b": {"model_info": {"ptu_count": 0, "discoverable": "maybe"}}}
    issues = "\n".join(ws.issues({"providers": {"p": provider(models=models)}}))
    for fragment in ("providers.p.models.a.litellm_params.rpm", "providers.p.models.a.litellm_params.max_retries",
                     "providers.p.models.b.model_info.ptu_count", "providers.p.models.b.model_info.discoverable"):
        assert fragment in issues


def test_what_litellm_accepts_in_lax_mode_is_accepted(ws: Workspace) -> None:
    models = {"m": {"litellm_params": {"rpm": "60", "timeout": "os.environ/TIMEOUT", "drop_params": True},
                    "model_info": {"tier": "paid", "my_own_key": {"any": "thing"}}}}
    desired = ws.load({"providers": {"p": provider(models=models)}}).desired
    assert desired.deployments[0].model_info["tier"] == "paid"


def test_prices_in_model_info_are_refused_with_where_they_belong(ws: Workspace) -> None:
    config = {"providers": {"p": provider(default_model={"model_info": {"input_cost_per_token": 1e-6}},
                                          models={"m": None})},
              "models": [{"model_name": "x", "litellm_params": {"model": "openai/x"},
                          "model_info": {"output_cost_per_token": 2e-6}}]}
    issues = ws.issues(config)
    assert any("providers.p.models.m.model_info.input_cost_per_token" in i
               and "put it in litellm_params.input_cost_per_token" in i for i in issues)
    assert any("models[0].model_info.output_cost_per_token" in i for i in issues)


def test_prices_in_litellm_params_are_what_the_config_uses(ws: Workspace) -> None:
    price = {"input_cost_per_token": 2e-6, "output_cost_per_token": 1.2e-5}
    config = {"providers": {"p": provider(default_model={"litellm_params": price}, models={"m": None})}}
    params = ws.load(config).desired.deployments[0].litellm_params
    assert params["input_cost_per_token"] == 2e-6 and params["output_cost_per_token"] == 1.2e-5
