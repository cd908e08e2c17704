"""Export, then load the files with llmproxy's loader and plan against the same live state: the
plan must only adopt (the ``round_trip`` fixture checks that). Each test also pins the form chosen."""

from __future__ import annotations

from llmproxy.live.model import Ledger
from tests.unit.export.livedata import credential, model, sources, state

OPENAI = "OpenAI_Compatible"


def acme(*creds: str):
    kinds = {"openai": ("http://acme:8045/v1", OPENAI), "anthropic": ("http://acme:8045", "Anthropic"),
             "gemini": ("http://acme:8045/v1beta", "Google_AI_Studio")}
    return [credential(f"acme-{c}", *kinds[c]) for c in creds]


def test_seed_style_provider_folds_into_compact_form(round_trip) -> None:
    live = state(acme("anthropic"), [
        model("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-thinking", "acme-anthropic",
              info={"base_model": "claude-sonnet-4-5", "access_groups": ["General"]}),
        model("anthropic/claude-opus-4-5", "anthropic/claude-opus-4-5-thinking", "acme-anthropic",
              info={"base_model": "claude-opus-4-5", "access_groups": ["General", "Premium"]}),
        model("anthropic/gemini-2.5-flash", "anthropic/gemini-2.5-flash", "acme-anthropic",
              {"mock_response": "x"}, {"base_model": "gemini-2.5-flash", "access_groups": ["General"]}),
    ])
    result, _desired, plan = round_trip(live)
    provider = result.config["providers"]["acme"]
    assert provider["api_base"] == "http://acme:8045" and "api_key" not in provider
    assert provider["access_groups"] == ["General"]
    assert provider["interfaces"] == {"anthropic": {}}
    assert provider["models"] == {
        "claude-opus-4-5-thinking": {"model_name": "claude-opus-4-5", "access_groups": ["General", "Premium"]},
        "claude-sonnet-4-5-thinking": {"model_name": "claude-sonnet-4-5"},
        "gemini-2.5-flash": {"litellm_params": {"mock_response": "x"}},
    }
    assert result.local == {"providers": {"acme": {"api_key": "${ACME_API_KEY}"}}}
    assert [v.name for v in result.env_vars] == ["ACME_API_KEY"]
    assert "models" not in result.config
    assert len(plan.changes) == 4  # 1 credential + 3 models, all adoptions


def test_models_the_compact_form_would_change_stay_literal(round_trip) -> None:
    live = state(acme("openai"), [
        model("openai/a", "openai/a", "acme-openai", info={"base_model": "a"}),  # compact
        model("openai/b", "openai/b", "acme-openai", info={}),  # no base_model: the compiler would add one
        model("openai/c", "openai/c", "acme-openai", info={"base_model": "c", "access_groups": []}),
        model("openai/d", "anthropic/d", "acme-openai", info={"base_model": "d"}),  # model not openai/...
        model("hand", "openai/e", None, {"api_base": "http://e"}, {"base_model": "e"}),  # no credential
    ])
    result, _, _ = round_trip(live)
    assert list(result.config["providers"]["acme"]["models"]) == ["a"]
    literal = {m["model_name"]: m for m in result.config["models"]}
    assert set(literal) == {"openai/b", "openai/c", "openai/d", "hand"}
    assert literal["openai/b"] == {"model_name": "openai/b", "litellm_params": {
        "model": "openai/b", "litellm_credential_name": "acme-openai"}}
    assert literal["openai/c"]["model_info"] == {"base_model": "c", "access_groups": []}
    assert result.counts["compact"] == 1 and result.counts["literal"] == 4


def test_several_names_of_one_model_and_an_empty_prefix(round_trip) -> None:
    live = state(acme("openai"), [
        model("fast", "openai/gpt-x", "acme-openai", info={"base_model": "fast"}),
        model("quick", "openai/gpt-x", "acme-openai", info={"base_model": "quick"}),
        model("gpt-y", "openai/gpt-y", "acme-openai", info={"base_model": "pricing-y"}),
    ])
    result, _, _ = round_trip(live)
    provider = result.config["providers"]["acme"]
    assert provider["interfaces"] == {"openai": {"model_name_prefix": ""}}
    assert provider["models"] == {"gpt-x": {"model_names": ["fast", "quick"]},
                                  "gpt-y": {"model_info": {"base_model": "pricing-y"}}}


def test_different_variants_of_one_model_id_go_literal(round_trip) -> None:
    live = state(acme("openai"), [
        model("openai/x", "openai/x", "acme-openai", {"rpm": 1}, {"base_model": "x"}),
        model("openai/x-slow", "openai/x", "acme-openai", {"rpm": 2}, {"base_model": "x-slow"}),
    ])
    result, _, _ = round_trip(live)
    assert list(result.config["providers"]["acme"]["models"]) == ["x"]
    assert [m["model_name"] for m in result.config["models"]] == ["openai/x-slow"]


def test_models_on_every_interface_are_provider_level(round_trip) -> None:
    info = {"access_groups": ["G"]}
    live = state(acme("openai", "anthropic"), [
        model("openai/m", "openai/m", "acme-openai", info={**info, "base_model": "m"}),
        model("anthropic/m", "anthropic/m", "acme-anthropic", info={**info, "base_model": "m"}),
        model("openai/n", "openai/n", "acme-openai", info={**info, "base_model": "n"}),
        model("anthropic/n", "anthropic/n", "acme-anthropic", info={**info, "base_model": "n"}),
        model("openai/only", "openai/only", "acme-openai", info={"base_model": "only"}),
    ])
    result, _, _ = round_trip(live)
    provider = result.config["providers"]["acme"]
    assert provider["models"] == {"m": {}, "n": {}}
    assert provider["access_groups"] == ["G"]
    assert provider["interfaces"] == {"openai": {"models": {"only": {"access_groups": []}}}, "anthropic": {}}


def test_credentials_without_provider_form_are_left_and_their_models_literal(round_trip) -> None:
    live = state([credential("azure-prod", "https://az", "Azure")], [
        model("gpt", "azure/gpt", "azure-prod", info={"base_model": "gpt"})])
    result, _desired, plan = round_trip(live)
    assert "providers" not in result.config and result.local == {}
    assert result.config["models"][0]["litellm_params"]["litellm_credential_name"] == "azure-prod"
    assert any("azure-prod" in n for n in result.notes)
    assert plan.counts["models"].adoptable == 1


def test_read_only_foreign_and_ledger_objects_are_left_out(round_trip) -> None:
    live = state([*acme("openai"), credential("team-openai", "http://t/v1", OPENAI, owner="team-b")], [
        model("config-file-model", "openai/gpt-4o-mini", None, db_model=False),
        model("openai/t", "openai/t", "team-openai", info={"base_model": "t"}, owner="team-b"),
        model("openai/mine", "openai/mine", "acme-openai", info={"base_model": "mine"}),
    ], aliases={"team-alias": "openai/t", "cfg": "config-file-model", "mine": "openai/mine"},
        ledgers={"team-b": Ledger({"aliases": frozenset({"team-alias"})})})
    result, _, _ = round_trip(live)
    assert result.config["aliases"] == {"mine": "openai/mine"}
    assert list(result.config["providers"]) == ["acme"]
    notes = "\n".join(result.notes)
    assert "config-file-model" in notes and "team-b" in notes and "'cfg'" in notes


def test_managed_objects_keep_the_fields_their_marker_lists(round_trip) -> None:
    live = state(acme("anthropic"), [model(
        "anthropic/c", "anthropic/c", "acme-anthropic", info={"base_model": "c", "mode": "chat"},
        owner="llmproxy", info_fields=("base_model", "mode"))])
    result, _, _ = round_trip(live)
    assert result.config["providers"]["acme"]["models"] == {"c": {"model_info": {"mode": "chat"}}}


def test_aliases_fallbacks_and_router_settings(round_trip) -> None:
    router = {"num_retries": 3, "routing_strategy": "simple-shuffle", "timeout": 30.0,
              "routing_strategy_args": {"ttl": 10}}
    live = state(acme("openai"), [
        model("openai/a", "openai/a", "acme-openai", info={"base_model": "a"}),
        model("openai/b", "openai/b", "acme-openai", info={"base_model": "b"}),
    ], aliases={"fast": "openai/a", "smart": {"model": "openai/b", "hidden": False},
                "secret-alias": {"model": "openai/b", "hidden": True}, "team-*": "fast", "chain": "fast"},
        fallbacks=[{"fast": ["openai/b"]}, {"smart": ["openai/b"]}, {"openai/a": ["openai/b"]},
                   {"fast": ["openai/a"]}, {"gone": ["openai/a"]}],
        router=router)
    srcs = {**sources(router), "routing_strategy_args": "default"}
    result, _, _ = round_trip(live, srcs)
    cfg = result.config
    # A wildcard in model_group_alias never matched in LiteLLM; a chain is kept (and repaired).
    assert cfg["aliases"] == {"fast": "openai/a", "smart": "openai/b",
                              "secret-alias": {"model": "openai/b", "hidden": True}, "chain": "fast"}
    assert cfg["fallbacks"] == [{"fast,smart,openai/a": ["openai/b"]}]
    # routing_strategy equals the default; routing_strategy_args is LiteLLM's own ("default").
    assert cfg["router_settings"] == {"num_retries": 3, "timeout": 30.0}
    notes = "\n".join(result.notes)
    assert "secret-alias" not in notes and "'gone'" in notes and "second rule" in notes
    assert "'team-*' is a wildcard" in notes and "'chain' points to the alias 'fast'" in notes


def test_router_values_the_config_cannot_hold_are_left_out(export) -> None:
    router = {"routing_strategy": "made-up-strategy", "default_litellm_params": {"api_key": "sk-xyz-123"},
              "num_retries": 4}
    result = export(state(router=router), sources(router))
    assert result.config["router_settings"] == {"num_retries": 4}
    notes = "\n".join(result.notes)
    assert "routing_strategy" in notes and "secret" in notes and "sk-xyz" not in notes


def test_secrets_and_placeholders_in_literal_models(round_trip) -> None:
    live = state([], [model("bedrock", "bedrock/claude", None,
                            {"aws_secret_access_key": "AK****UE", "extra_body": {"note": "costs ${5}"}},
                            {"base_model": "claude"})])
    result, desired, _ = round_trip(live)
    params = result.config["models"][0]["litellm_params"]
    assert params["aws_secret_access_key"] == "${BEDROCK_AWS_SECRET_ACCESS_KEY}"
    assert params["extra_body"] == {"note": "costs $${5}"}  # a literal "${" is escaped
    assert desired.deployments[0].litellm_params["extra_body"]["note"] == "costs ${5}"
    assert "AK****UE" not in str(result.config)
    assert [v.name for v in result.env_vars] == ["BEDROCK_AWS_SECRET_ACCESS_KEY"]


def test_duplicate_identities_export_one_copy(round_trip) -> None:
    live = state(acme("openai"), [
        model("openai/a", "openai/a", "acme-openai", info={"base_model": "a"}, id="aaa"),
        model("openai/a", "openai/a", "acme-openai", info={"base_model": "a"}, id="bbb"),
    ])
    result, desired, plan = round_trip(live)
    assert len(desired.deployments) == 1 and plan.counts["models"].unmanaged == 1
    assert any("twice" in n for n in result.notes)


def test_owner_is_written_and_selects_what_is_ours(export) -> None:
    live = state(acme("openai"), [model("openai/a", "openai/a", "acme-openai", info={"base_model": "a"},
                                        owner="llmproxy")])
    result = export(live, owner="team-a")
    assert result.config["owner"] == "team-a" and "models" not in result.config
    assert "providers" in result.config and result.config["providers"]["acme"]["interfaces"] == {"openai": {}}


def test_empty_gateway_exports_an_owner_only(export) -> None:
    result = export(state())
    assert result.config == {"owner": "llmproxy"} and result.local == {} and not result.env_vars


def test_what_cannot_be_read_back_is_left_out_with_a_note(round_trip) -> None:
    # "$delete" is a directive of the config language: such a key cannot survive a load.
    live = state([], [model("odd", "openai/odd", None, info={"base_model": "odd", "$delete": ["x"]}),
                      model("fine", "openai/fine", None, info={"base_model": "fine"})])
    result, _desired, plan = round_trip(live)
    assert [m["model_name"] for m in result.config["models"]] == ["fine"]
    assert any("'odd'" in n and "left out" in n for n in result.notes)
    assert plan.counts["models"].unmanaged == 1


def test_verify_reports_what_the_loader_reads_differently() -> None:
    from llmproxy.export.select import select
    from llmproxy.export.verify import verify

    live = state(acme("openai"), [model("openai/a", "openai/a", "acme-openai", {"rpm": 1}, {"base_model": "a"})])
    [view] = select(live, "llmproxy").models
    doc = {"providers": {"acme": {"api_base": "http://acme:8045", "api_key": "os.environ/K",
                                  "interfaces": {"openai": {}}, "models": {"a": {}}}}}  # rpm missing
    bad = verify(doc, {"acme-openai": {"api_base": "http://elsewhere/v1", "custom_llm_provider": OPENAI}},
                 {view.identity: view})
    assert bad.models == {view.id} and bad.credentials == {"acme-openai"}


def test_pattern_deployments_of_a_wildcard_alias_round_trip(round_trip) -> None:
    """A gateway synced with a wildcard alias holds pattern deployments (no model_group_alias
    entry): export writes them so that loading them back makes the same deployments."""
    live = state(acme("anthropic"), [
        model("anthropic/opus", "anthropic/opus-thinking", "acme-anthropic",
              info={"base_model": "opus", "access_groups": ["Premium"]}),
        model("claude-opus-*", "anthropic/opus-thinking", "acme-anthropic", info={"base_model": "opus"}),
    ])
    _, desired, _ = round_trip(live)
    assert sorted(d.model_name for d in desired.deployments) == ["anthropic/opus", "claude-opus-*"]


def test_a_key_litellm_hides_but_the_marker_lists_is_exported_as_a_variable(export, tmp_path, monkeypatch) -> None:
    """A provider's os.environ/ key sits on each deployment, and LiteLLM never shows a deployment's
    api_key. Left out, the exported config would replace the deployments without a key (401s)."""
    import json

    from llmproxy.config import load_config
    from llmproxy.live.marker import Fingerprinter, Marker
    from llmproxy.live.model import LiveCredential, LiveDeployment
    from llmproxy.plan import Action, PlanOptions, build_plan
    from tests.unit.export.livedata import SERVER_PARAMS

    fp = Fingerprinter("k")
    cred = LiveCredential("acme-anthropic", {"api_base": "http://acme:8045"}, {"custom_llm_provider": "Anthropic"},
                          Marker("llmproxy", fields=("api_base",)))
    marker = Marker("llmproxy", fields=("api_key", "litellm_credential_name", "model"), info_fields=("base_model",),
                    secrets=fp.all({"api_key": "os.environ/ACME_KEY"}))
    params = {"model": "anthropic/m", "litellm_credential_name": "acme-anthropic", **SERVER_PARAMS}
    live = state([cred], [LiveDeployment("id1", "anthropic/m", params,
                                         {"id": "id1", "db_model": True, "base_model": "m"}, marker, True)])
    result = export(live)
    [exported] = result.config["models"]
    assert exported["litellm_params"]["api_key"] == "${ANTHROPIC_M_API_KEY}"
    (tmp_path / "config.json").write_text(json.dumps(result.config))
    monkeypatch.setenv("ANTHROPIC_M_API_KEY", "sk-the-upstream-key")
    plan = build_plan(load_config(tmp_path / "config.json").desired, live, fp, PlanOptions())
    assert [(c.action, [f.path for f in c.fields]) for c in plan.changes] == [
        (Action.UPDATE, ["litellm_params.api_key"])]  # in place, never a replace without the key
