"""The successor scripts' naming forms end to end: what the config names is what a client can call,
through the interface's own api_base, with each name's own overrides reaching the upstream."""

from __future__ import annotations

from tests.e2e.dataplane import DataPlane, ask_openai, config, provider


def test_names_prefixes_and_per_name_overrides_reach_the_client(dataplane: DataPlane) -> None:
    dp = dataplane
    up = provider(dp.upstream, {
        "m1": {"model_names": ",one, two"},
        "m2": {"model_name_prefix": "", "model_names": {
            "$self": {}, "cool": {"litellm_params": {"temperature": 0.25}}, "gw-x": {"model_name_prefix": "x/"}}},
    })
    up["api_base"] = "http://127.0.0.1:9"  # nothing there: only the interface's own api_base works
    up["interfaces"] = {"openai": {"api_base": dp.upstream.url}}
    dp.sync(config({"up": up}))
    served = sorted(m.id for m in dp.openai().models.list())
    assert served == ["cool", "m2", "openai/m1", "openai/one", "openai/two", "x/gw-x"]
    for name, upstream_model in [("openai/m1", "m1"), ("openai/two", "m1"), ("cool", "m2"), ("x/gw-x", "m2")]:
        assert ask_openai(dp, name) == f"hello from {upstream_model} via the"
    temperatures = [c.body.get("temperature") for c in dp.upstream.calls_for("m2")]
    assert temperatures == [0.25, None]  # "cool" carries its override, "x/gw-x" does not
