"""The "keys" and "key_policy" sections: keys by alias, the policy's defaults / overrides /
multipliers, and the old "keys" defaults form still loading (with a deprecation note)."""

from __future__ import annotations

from tests.unit.config.conftest import Workspace


def test_keys_by_alias_take_the_policy_under_their_own_values(ws: Workspace) -> None:
    loaded = ws.load({
        "keys": {"ada": {"user": "ada@example.com", "max_budget": 5},
                 "ci-bot": {"team": "platform"}},
        "key_policy": {"defaults": {"max_budget": 10, "rpm_limit": 60, "metadata": {"src": "policy"}},
                       "overrides": [{"match": {"alias": "ci-*"}, "set": {"rpm_limit": 600},
                                      "multiply": {"max_budget": 3}}]}})
    keys = {k.alias: k for k in loaded.desired.keys or ()}
    assert keys["ada"].user == "ada@example.com" and keys["ada"].max_budget == 5.0  # its own value wins
    assert keys["ada"].rpm_limit == 60 and dict(keys["ada"].metadata or {}) == {"src": "policy"}
    assert keys["ci-bot"].team == "platform" and keys["ci-bot"].rpm_limit == 600
    assert keys["ci-bot"].max_budget == 30.0  # the policy's value, multiplied
    assert keys["ci-bot"].sources["max_budget"] == "key_policy.defaults * 3"
    assert keys["ada"].sources["max_budget"] == "keys"
    assert loaded.key_defaults == {"max_budget": 10.0, "rpm_limit": 60, "metadata": {"src": "policy"}}
    assert loaded.notes == []


def test_the_old_keys_defaults_still_load_as_the_policy_with_a_deprecation_note(ws: Workspace) -> None:
    old = {"models": ["General"], "max_budget": 100, "budget_duration": "30d", "rpm_limit": 60, "team_id": "t1"}
    loaded = ws.load({"keys": old})
    assert loaded.desired.keys is None  # no keys are declared: LiteLLM's keys are left alone
    assert loaded.desired.key_policy is not None
    assert dict(loaded.desired.key_policy.defaults) == {"models": ("General",), "max_budget": 100.0,
                                                         "budget_duration": "30d", "rpm_limit": 60}
    assert loaded.key_defaults == {**old, "max_budget": 100.0}  # keys create keeps its team_id default
    [note] = loaded.notes
    assert "deprecated" in note and "key_policy" in note and "config.json" in note


def test_old_defaults_and_key_policy_defaults_together_are_an_error(ws: Workspace) -> None:
    issues = ws.issues({"keys": {"rpm_limit": 5}, "key_policy": {"defaults": {"rpm_limit": 6}}})
    assert any("keep key_policy.defaults only" in i for i in issues)


def test_a_key_never_holds_a_secret_and_names_its_user_by_email(ws: Workspace) -> None:
    issues = ws.issues({"keys": {"ada": {"key": "sk-1234567890abcdef", "user": "not-an-email"}}})
    assert any("keys.ada.key: 'key' is not allowed here: a key's secret is never in the config" in i for i in issues)
    assert any("keys.ada.user: 'not-an-email' is not valid: expected an email address" in i for i in issues)


def test_an_override_must_select_something(ws: Workspace) -> None:
    issues = ws.issues({"key_policy": {"overrides": [{"match": {}, "set": {"rpm_limit": 1}}]}})
    assert any("key_policy.overrides[0].match: name at least one of alias, user, team" in i for i in issues)
