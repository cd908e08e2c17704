"""The router write keeps entries llmproxy does not manage and keeps LiteLLM's rule order."""

from llmproxy.litellm.router_payload import router_payload
from llmproxy.live.model import LiveRouter
from llmproxy.plan.model import Action, Change, FieldChange


def change(kind, action, key, desired=None):
    return Change(kind, action, key, (FieldChange(key, after=desired),), desired=desired)


LIVE = LiveRouter({"model_group_alias": {"theirs": "m0", "mine": "m1"},
                   "fallbacks": [{"a": ["x"]}, {"theirs": ["y"]}, {"b": ["z"]}],
                   "num_retries": 2})


def test_alias_changes_keep_other_entries():
    payload = router_payload(LIVE, [change("aliases", Action.UPDATE, "mine", "m2"),
                                    change("aliases", Action.CREATE, "new", "m3")])
    assert payload == {"model_group_alias": {"theirs": "m0", "mine": "m2", "new": "m3"}}


def test_fallback_changes_keep_order_and_other_rules():
    payload = router_payload(LIVE, [change("fallbacks", Action.UPDATE, "a", ["q"]),
                                    change("fallbacks", Action.DELETE, "b"),
                                    change("fallbacks", Action.CREATE, "c", ["r"])])
    assert payload == {"fallbacks": [{"a": ["q"]}, {"theirs": ["y"]}, {"c": ["r"]}]}


def test_adoption_without_field_changes_writes_nothing():
    adopt = Change("aliases", Action.ADOPT, "mine", (), desired="m1")
    assert router_payload(LIVE, [adopt]) == {}


def test_router_keys_are_sent_individually():
    assert router_payload(LIVE, [change("router_settings", Action.UPDATE, "num_retries", 5)]) == {
        "num_retries": 5}
