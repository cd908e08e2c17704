"""What of a live object is exported: server-added fields, cost-map enrichment, secrets."""

from __future__ import annotations

from llmproxy.export.views import (
    SecretRef,
    credential_view,
    env_var_name,
    litellm_params_view,
    model_info_view,
    model_view,
)
from tests.unit.export.livedata import COST_MAP, credential, model


def test_server_defaults_dropped_only_when_false() -> None:
    params = {"model": "openai/x", "use_xai_oauth": False, "use_in_pass_through": True, "rpm": None}
    assert litellm_params_view(params, str) == {"model": "openai/x", "use_in_pass_through": True}


def test_secret_params_become_references_and_proxy_side_references_stay() -> None:
    params = {"model": "openai/x", "aws_secret_access_key": "AK****UE", "api_key": "os.environ/UPSTREAM",
              "max_tokens": 10, "litellm_credential_name": "p-openai"}
    view = litellm_params_view(params, lambda key: f"VAR_{key}")
    assert view["aws_secret_access_key"] == SecretRef("VAR_aws_secret_access_key")
    assert view["api_key"] == "os.environ/UPSTREAM"
    assert view["max_tokens"] == 10 and view["litellm_credential_name"] == "p-openai"


def test_enriched_model_info_keeps_only_user_fields() -> None:
    info = {"id": "x", "db_model": True, "member_auto_router": False, "blocked": False, "pricing_overrides": [],
            "base_model": "gpt-4o-mini", "access_groups": ["General"], "tier": "free", "my_tag": "a",
            "description": "d", **COST_MAP}
    assert model_info_view(info, {}) == {"base_model": "gpt-4o-mini", "access_groups": ["General"],
                                         "tier": "free", "my_tag": "a", "description": "d"}


def test_without_enrichment_mode_and_limits_are_the_users() -> None:
    # The cost map did not know the model (no "key"): every non-server field was set by a user.
    info = {"id": "x", "db_model": True, "mode": "embedding", "max_tokens": 512, "base_model": "e5"}
    assert model_info_view(info, {}) == {"mode": "embedding", "max_tokens": 512, "base_model": "e5"}


def test_fields_llmproxy_set_are_kept_even_if_they_look_like_cost_map_fields() -> None:
    info = {"id": "x", "base_model": "gpt-4o-mini", **COST_MAP}
    assert model_info_view(info, {}, marked=["mode", "base_model"]) == {"mode": "chat", "base_model": "gpt-4o-mini"}


def test_prices_from_litellm_params_echoed_in_model_info_are_dropped() -> None:
    params = {"model": "openai/custom", "input_cost_per_token": 0.5}
    info = {"id": "x", "input_cost_per_token": 0.5, "base_model": "custom"}
    assert model_info_view(info, params) == {"base_model": "custom"}


def test_model_view_of_a_live_model() -> None:
    dep = model("openai/gpt-4o-mini", "openai/gpt-4o-mini", "acme-openai", {"rpm": 10},
                {"base_model": "gpt-4o-mini"})
    view = model_view(dep)
    assert view.litellm_params == {"model": "openai/gpt-4o-mini", "litellm_credential_name": "acme-openai", "rpm": 10}
    assert view.model_info == {"base_model": "gpt-4o-mini"}
    assert view.identity == dep.identity


def test_credential_view_never_holds_the_masked_secret() -> None:
    view = credential_view(credential("acme-openai", "http://x/v1", "OpenAI_Compatible", api_version="2024"))
    assert view.values == {"api_key": None, "api_base": "http://x/v1", "api_version": "2024"}
    assert view.secret_keys == ("api_key",)


def test_env_var_names() -> None:
    assert env_var_name("antigravity-manager", "api_key") == "ANTIGRAVITY_MANAGER_API_KEY"
    assert env_var_name("openai/gpt.4", "aws_secret_access_key") == "OPENAI_GPT_4_AWS_SECRET_ACCESS_KEY"
    assert env_var_name("1up", "api_key") == "LLMPROXY_1UP_API_KEY"
