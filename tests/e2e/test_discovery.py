"""Model discovery end to end: llmproxy reads the stand-in upstream's model lists, the plan says
which models were discovered, sync deploys exactly those (minus ignored ones) on a real LiteLLM,
and a client gets answers from a discovered model through the official SDKs."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest

from tests.e2e.dataplane import UPSTREAM_KEY, DataPlane, ask_anthropic, ask_openai, config, provider

LISTED = ["disc-alpha", "disc-beta", "disc-old"]


@pytest.fixture()
def listing(dataplane: DataPlane) -> Iterator[DataPlane]:
    """The shared upstream lists ``LISTED`` for this test only."""
    saved = dataplane.upstream.models
    dataplane.upstream.models = list(LISTED)
    try:
        yield dataplane
    finally:
        dataplane.upstream.models = saved


def test_a_discovered_model_answers_and_resync_is_a_no_op(listing: DataPlane) -> None:
    dp = listing
    cfg = config({"up": provider(dp.upstream, {"disc-old": {"ignored": True}}, interfaces=("openai", "anthropic"),
                                 discover=True)})
    dp.write(cfg)
    plan = dp.llmproxy(["plan"])
    assert plan.returncode == 0, plan.stderr
    url = f"{dp.upstream.url}/v1/models"
    for name in ("openai/disc-alpha", "openai/disc-beta", "anthropic/disc-alpha", "anthropic/disc-beta"):
        assert f"+ create  {name} " in plan.stdout
    assert plan.stdout.count(f"# discovered at {url}") == 4
    assert f"note: 2 models discovered at {url} (credential up-openai): openai/disc-alpha, openai/disc-beta" \
        in plan.stdout
    assert "disc-old" not in plan.stdout
    assert UPSTREAM_KEY not in plan.stdout + plan.stderr

    dp.sync(cfg)
    listings = [c for c in dp.upstream.calls if c.method == "GET"]
    assert {(c.api, c.key_name, c.status) for c in listings} == {("openai", "llmproxy", 200),
                                                                 ("anthropic", "llmproxy", 200)}
    served = sorted(m.id for m in dp.openai().models.list())
    assert served == ["anthropic/disc-alpha", "anthropic/disc-beta", "openai/disc-alpha", "openai/disc-beta"]
    assert ask_openai(dp, "openai/disc-alpha") == "hello from disc-alpha via the"
    assert ask_anthropic(dp, "anthropic/disc-beta", stream=True) == "hello from disc-beta via the"
    with pytest.raises(anthropic.BadRequestError):
        ask_anthropic(dp, "openai/disc-old")

    again = dp.llmproxy(["plan", "--detailed-exitcode"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout


def test_a_model_the_upstream_stops_listing_is_pruned_only_with_prune(listing: DataPlane) -> None:
    dp = listing
    cfg = config({"up": provider(dp.upstream, {}, discover=True)})
    dp.sync(cfg)
    dp.upstream.models = ["disc-alpha"]
    plan = dp.llmproxy(["plan"])
    assert "would be pruned with --prune: openai/disc-beta" in plan.stdout, plan.stdout
    dp.sync(cfg, "--prune")
    assert sorted(m.id for m in dp.openai().models.list()) == ["openai/disc-alpha"]
