"""Access as code, keys half (issue 16), against the real LiteLLM with the stand-in upstream and the
official ``openai`` SDK: declared keys are minted once with their secrets delivered to --keys-out
and nowhere else, converge to zero writes, are refused over budget, drift shows, one budget change
is one write, and --prune deletes only keys llmproxy created or adopted; ``keys create`` applies the
key_policy override of a key's team as sync would."""

from __future__ import annotations

import json
import re
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.e2e.cli import write_config
from tests.e2e.dataplane import UPSTREAM_KEY, DataPlane, ask_openai, config, provider
from tests.e2e.test_access_teams import reset_access

PRICED = {"litellm_params": {"input_cost_per_token": 0.001, "output_cost_per_token": 0.001}}


def email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"  # users survive the reset: never reuse one


def access_config(dp: DataPlane, keys: dict[str, Any], **extra: Any) -> dict[str, Any]:
    models = {"m1": {**PRICED, "access_groups": ["General"]}, "m2": PRICED}
    return config({"up": provider(dp.upstream, models)}, keys=keys, **extra)


def five_keys() -> dict[str, Any]:
    return {
        "ada": {"user": email("ada"), "models": ["General"], "max_budget": 25, "budget_duration": "30d"},
        "bob": {"user": email("bob"), "models": ["openai/m2"], "rpm_limit": 60},
        "ci-bot": {"models": ["openai/m1", "openai/m2"], "tpm_limit": 100000, "metadata": {"app": "ci"}},
        "notebook": {"user": email("nb"), "duration": "90d"},
        "tiny": {"models": ["openai/m1"], "max_budget": 0.001},
    }


def live_keys(dp: DataPlane) -> dict[str, dict[str, Any]]:
    with dp.gateway.client() as c:
        body = c.get("/key/list", params={"return_full_object": "true", "size": 100}).raise_for_status().json()
    return {k["key_alias"]: k for k in body["keys"] if k.get("key_alias")}


def plan_json(dp: DataPlane, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    proc = dp.llmproxy(["plan", "--output", "json", *args], env=env)
    assert proc.returncode in (0, 2), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_five_keys_sync_from_empty_secrets_only_in_keys_out_then_zero_writes(dataplane: DataPlane,
                                                                             tmp_path: Path) -> None:
    dp = dataplane
    cfg = access_config(dp, five_keys())
    dp.write(cfg)
    refused = dp.llmproxy(["sync", "--yes"])  # nowhere to deliver the secrets: refused before any write
    assert refused.returncode == 1 and "--keys-out" in refused.stderr
    assert live_keys(dp) == {}

    out = tmp_path / "secrets"
    first = dp.sync(cfg, "--keys-out", str(out))
    files = sorted(p.name for p in out.iterdir())
    assert files == ["ada", "bob", "ci-bot", "notebook", "tiny"]
    secrets = {p.name: p.read_text().strip() for p in out.iterdir()}
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(s.startswith("sk-") for s in secrets.values())
    for secret in secrets.values():  # nowhere else: not in stdout, stderr or the working directory
        assert secret not in first.stdout and secret not in first.stderr
        for f in dp.workdir.rglob("*"):
            if f.is_file() and out not in f.parents:
                assert secret not in f.read_text(errors="ignore"), f
    assert "Delivered the secret of 5 new key(s)" in first.stderr

    live = live_keys(dp)
    assert set(live) == set(secrets)
    assert live["ada"]["max_budget"] == 25 and live["ada"]["budget_duration"] == "30d"
    assert live["bob"]["rpm_limit"] == 60 and live["ci-bot"]["metadata"]["app"] == "ci"
    assert live["notebook"]["expires"] and live["ci-bot"]["metadata"]["llmproxy"]["owner"] == "llmproxy"

    # the minted keys work for their models only (the openai SDK through the gateway)
    assert ask_openai(dp, "openai/m1", key=secrets["ada"]).startswith("hello from m1")  # via access group General
    with pytest.raises(openai.APIStatusError) as denied:
        ask_openai(dp, "openai/m2", key=secrets["ada"])
    assert denied.value.status_code in (401, 403)

    again = dp.sync_json(cfg, "--keys-out", str(out))
    assert again["applied"] is None and again["plan"]["changes"] == []
    assert sorted(p.name for p in out.iterdir()) == files  # nothing minted, nothing rewritten
    assert {p.name: p.read_text().strip() for p in out.iterdir()} == secrets


def test_a_key_over_its_budget_is_refused(dataplane: DataPlane, tmp_path: Path) -> None:
    dp = dataplane
    cfg = access_config(dp, {"tiny": {"models": ["openai/m1"], "max_budget": 0.001}})
    body = dp.sync_json(cfg)  # --output json: the secret in the JSON, once
    secret = body["keys"]["tiny"]
    assert secret.startswith("sk-") and secret not in json.dumps(body["plan"])
    assert ask_openai(dp, "openai/m1", key=secret, max_tokens=5)  # spends 5+ tokens at $0.001 each
    deadline = time.monotonic() + 60
    while True:  # spend is counted after the response: poll (bounded) until the budget refuses
        try:
            ask_openai(dp, "openai/m1", key=secret)
        except openai.APIStatusError as exc:
            assert exc.status_code == 422 and "Budget has been exceeded" in str(exc), exc  # LiteLLM: 422
            break
        assert time.monotonic() < deadline, "a key over its budget was still accepted after 60 s"
        time.sleep(1)


def test_drift_and_one_budget_change_is_one_write(dataplane: DataPlane, tmp_path: Path) -> None:
    dp = dataplane
    keys = five_keys()
    cfg = access_config(dp, keys)
    dp.sync(cfg, "--keys-out", str(tmp_path / "k"))
    token = live_keys(dp)["ada"]["token"]
    with dp.gateway.client() as c:  # a budget changed by hand
        c.post("/key/update", json={"key": token, "max_budget": 99}).raise_for_status()
    code, plan = plan_json(dp, "--detailed-exitcode")
    assert code == 2
    [change] = plan["changes"]
    assert change["key"] == "ada" and change["action"] == "update"
    [field] = change["fields"]
    assert (field["path"], field["before"], field["after"]) == ("max_budget", 99.0, 25.0)
    assert change["context"].startswith("spend ") and "of max_budget 99 USD" in change["context"]  # never reset
    status = dp.llmproxy(["status"])
    assert status.returncode == 2 and "1 to update" in status.stdout + status.stderr, status.stdout + status.stderr
    text = dp.llmproxy(["plan"])
    assert "max_budget: 99.0 → 25.0" in text.stdout and "# spend 0.00 USD of max_budget 99 USD" in text.stdout

    keys["bob"]["max_budget"] = 50  # raise one key's budget in the config
    cfg = access_config(dp, keys)
    dp.sync(cfg, "--keys-out", str(tmp_path / "k"))  # converge the drift first
    keys["ada"]["max_budget"] = 30
    dp.write(access_config(dp, keys))
    code, plan = plan_json(dp, "--detailed-exitcode")
    assert code == 2 and [(c["key"], [(f["path"], f["before"], f["after"]) for f in c["fields"]])
                          for c in plan["changes"]] == [("ada", [("max_budget", 25.0, 30.0)])]
    body = dp.sync_json(access_config(dp, keys), "--keys-out", str(tmp_path / "k"))
    assert body["applied"]["writes"] == 1 and body["applied"]["ok"]
    assert live_keys(dp)["ada"]["max_budget"] == 30
    assert plan_json(dp, "--detailed-exitcode")[0] == 0


def test_prune_removes_only_keys_llmproxy_created_or_adopted(dataplane: DataPlane, tmp_path: Path) -> None:
    dp = dataplane
    dp.mint_key(key_alias="hand-made", max_budget=1)
    dp.mint_key(key_alias="adopt-me", max_budget=1)
    dp.mint_key(key_alias="theirs", metadata={"llmproxy": {"owner": "other-team", "fields": []}})
    keys = {"ours": {"max_budget": 5}, "adopt-me": {"max_budget": 2}}
    out = tmp_path / "k"
    dp.write(access_config(dp, keys))
    _, plan = plan_json(dp)
    actions = {c["key"]: c["action"] for c in plan["changes"] if c["kind"] == "keys"}
    assert actions == {"ours": "create", "adopt-me": "adopt"}
    dp.sync(access_config(dp, keys), "--keys-out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["ours"]  # adopting keeps the secret: nothing to deliver
    assert live_keys(dp)["adopt-me"]["metadata"]["llmproxy"]["owner"] == "llmproxy"

    dropped = access_config(dp, {})
    dp.write(dropped)
    _, plan = plan_json(dp)
    assert sorted(c["key"] for c in plan["pending_prune"]) == ["adopt-me", "ours"]
    dp.sync(dropped, "--prune")
    assert set(live_keys(dp)) == {"hand-made", "theirs"}


# -- with teams and users (access as code, both halves) ---------------------------------------------

@pytest.fixture()
def clean(dataplane: DataPlane) -> Iterator[DataPlane]:
    reset_access(dataplane.gateway)
    yield dataplane
    reset_access(dataplane.gateway)


def test_export_of_hand_made_keys_round_trips_to_adopt_only(clean: DataPlane, tmp_path: Path) -> None:
    dp = clean
    dp.sync(config({"up": provider(dp.upstream, {"m1": {"access_groups": ["General"]}})}))
    with dp.gateway.client() as c:
        user = c.post("/user/new", json={"user_email": "ana@example.com", "auto_create_key": False})
        team = c.post("/team/new", json={"team_alias": "ops", "models": ["General"]}).raise_for_status()
        user_id, team_id = user.raise_for_status().json()["user_id"], team.json()["team_id"]
    dp.mint_key(key_alias="ana-laptop", user_id=user_id, team_id=team_id, models=["General"], max_budget=3,
                budget_duration="7d", rpm_limit=10, metadata={"app": "nb"})
    dp.mint_key(max_budget=1)  # no alias: a config cannot name it
    dp.mint_key(key_alias="theirs", metadata={"llmproxy": {"owner": "other-team", "fields": []}})
    out = tmp_path / "exported"
    exported = dp.llmproxy(["export", "--output", str(out)])
    assert exported.returncode == 0, exported.stderr
    doc = json.loads((out / "config.json").read_text())
    assert doc["keys"] == {"ana-laptop": {"user": "ana@example.com", "team": "ops", "models": ["General"],
                                          "max_budget": 3.0, "budget_duration": "7d", "rpm_limit": 10,
                                          "metadata": {"app": "nb"}}}
    text = exported.stdout + exported.stderr
    assert "1 key(s) without an alias" in text and "1 key(s) of other owners" in text
    assert "sk-" not in (out / "config.json").read_text()  # never a secret
    write_config(dp.workdir, doc, json.loads((out / "config.local.json").read_text()))
    env = {var: UPSTREAM_KEY for var in re.findall(r"^  ([A-Z][A-Z0-9_]+)  ", text, re.M)}
    _, plan = plan_json(dp, env=env)
    assert plan["changes"] and {c["action"] for c in plan["changes"]} == {"adopt"}
    assert all("fields" not in c for c in plan["changes"]), plan["changes"]
    assert dp.llmproxy(["sync", "--yes"], env=env).returncode == 0  # adopting mints nothing: no --keys-out
    assert dp.llmproxy(["plan", "--detailed-exitcode"], env=env).returncode == 0
    assert live_keys(dp)["ana-laptop"]["metadata"]["llmproxy"]["owner"] == "llmproxy"


def test_two_teams_three_users_five_keys_from_empty(clean: DataPlane, tmp_path: Path) -> None:
    dp = clean  # team names of their own: LiteLLM keeps a deleted team's spend in memory under its id
    models = {"m1": {**PRICED, "access_groups": ["General"]}, "m2": {**PRICED, "access_groups": ["Premium"]}}
    cfg = config({"up": provider(dp.upstream, models)},
                 teams={"red": {"models": ["General"], "max_budget": 25, "members": ["ana@example.com"]},
                        "blue": {"models": ["Premium"], "max_budget": 10, "members": ["cy@example.com"]}},
                 users={"ana@example.com": {"max_budget": 5}, "bo@example.com": {}, "cy@example.com": {}},
                 keys={"red-ci": {"team": "red", "rpm_limit": 100},
                       "blue-ci": {"team": "blue"},
                       "ana-nb": {"user": "ana@example.com", "team": "red", "models": ["General"]},
                       "bo-tiny": {"user": "bo@example.com", "models": ["openai/m1"], "max_budget": 0.001},
                       "cy": {"user": "cy@example.com", "team": "blue", "max_budget": 2}})
    out = tmp_path / "secrets"
    first = dp.sync(cfg, "--keys-out", str(out))
    secrets = {p.name: p.read_text().strip() for p in out.iterdir()}
    assert sorted(secrets) == ["ana-nb", "blue-ci", "bo-tiny", "cy", "red-ci"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.iterdir())
    assert not any(s in first.stdout + first.stderr for s in secrets.values())
    again = dp.sync_json(cfg, "--keys-out", str(out))
    assert again["applied"] is None and again["plan"]["changes"] == []

    assert ask_openai(dp, "openai/m1", key=secrets["red-ci"]) == "hello from m1 via the"
    assert ask_openai(dp, "openai/m2", key=secrets["blue-ci"]) == "hello from m2 via the"
    for key, model in ((secrets["red-ci"], "openai/m2"), (secrets["ana-nb"], "openai/m2"),
                       (secrets["blue-ci"], "openai/m1")):
        with pytest.raises((openai.PermissionDeniedError, openai.AuthenticationError)) as refused:
            ask_openai(dp, model, key=key)
        assert refused.value.status_code in (401, 403)
    ask_openai(dp, "openai/m1", key=secrets["bo-tiny"])
    deadline = time.monotonic() + 60
    while True:  # spend is counted after the response: poll (bounded) until the budget refuses
        try:
            ask_openai(dp, "openai/m1", key=secrets["bo-tiny"])
        except openai.APIStatusError as exc:
            assert "Budget has been exceeded" in str(exc), exc
            break
        assert time.monotonic() < deadline, "a key over its budget was still accepted after 60 s"
        time.sleep(1)


def test_a_lost_secret_is_never_reminted_silently_only_rotated_on_request(dataplane: DataPlane,
                                                                          tmp_path: Path) -> None:
    dp = dataplane
    cfg = access_config(dp, {"ada": {"models": ["General"], "max_budget": 5}})
    out = tmp_path / "k"
    dp.sync(cfg, "--keys-out", str(out))
    old = (out / "ada").read_text().strip()
    (out / "ada").unlink()  # the secret is lost
    again = dp.sync_json(cfg, "--keys-out", str(out))
    assert again["applied"] is None and not (out / "ada").exists()  # nothing re-minted behind anyone's back
    rotated = dp.llmproxy(["keys", "rotate", "ada"])
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    assert new.startswith("sk-") and new != old
    assert ask_openai(dp, "openai/m1", key=new).startswith("hello from m1")
    with pytest.raises(openai.AuthenticationError):
        ask_openai(dp, "openai/m1", key=old)
    assert dp.llmproxy(["plan", "--detailed-exitcode"]).returncode == 0  # still the same managed key


def test_the_policy_on_every_key_limits_hand_made_keys_without_owning_them(dataplane: DataPlane) -> None:
    dp = dataplane
    dp.mint_key(key_alias="bot-1", rpm_limit=10)
    cfg = access_config(dp, {}, key_policy={"defaults": {"rpm_limit": 60}, "apply_to": "all",
                                            "overrides": [{"match": {"alias": "bot-*"}, "set": {"tpm_limit": 1000}}]})
    dp.write(cfg)
    code, plan = plan_json(dp, "--only", "keys", "--detailed-exitcode")
    assert code == 2 and plan["kinds"] == ["keys"]
    [change] = plan["changes"]
    assert (change["key"], change["action"]) == ("bot-1", "update")
    assert [(f["path"], f.get("before"), f["after"]) for f in change["fields"]] == [("rpm_limit", 10, 60),
                                                                                    ("tpm_limit", None, 1000)]
    dp.sync(cfg, "--only", "keys", "--prune")
    bot = live_keys(dp)["bot-1"]
    assert (bot["rpm_limit"], bot["tpm_limit"]) == (60, 1000) and "llmproxy" not in (bot["metadata"] or {})
    assert plan_json(dp, "--only", "keys", "--detailed-exitcode")[0] == 0


def test_keys_create_by_hand_gets_the_key_policy_override_of_its_team(clean: DataPlane) -> None:
    dp = clean
    team = f"lab-{uuid.uuid4().hex[:6]}"  # a team of its own: LiteLLM keeps a deleted team's spend under its id
    policy = {"defaults": {"max_budget": 10, "rpm_limit": 60},
              "overrides": [{"match": {"team": team}, "set": {"max_budget": 0.001}, "multiply": {"rpm_limit": 2}}]}
    models = {"m1": {**PRICED, "access_groups": ["General"]}, "m2": PRICED}
    dp.sync(config({"up": provider(dp.upstream, models)}, teams={team: {"models": ["General"]}}, key_policy=policy))
    with dp.gateway.client() as c:
        teams = c.get("/v2/team/list", params={"page_size": 100}).raise_for_status().json()["teams"]
    [team_id] = [t["team_id"] for t in teams if t.get("team_alias") == team]

    made = dp.llmproxy(["keys", "create", email("lab"), "--alias", "lab-nb", "--team-id", team_id])
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert "(key_policy.overrides[0])" in made.stderr and "(key_policy.defaults * 2)" in made.stderr
    solo = dp.llmproxy(["keys", "create", email("solo"), "--alias", "solo"])  # no team: the defaults only
    assert solo.returncode == 0, solo.stderr
    with dp.gateway.client() as c:  # read back from LiteLLM itself
        lab = c.get("/key/info", params={"key": secret}).raise_for_status().json()["info"]
        alone = c.get("/key/info", params={"key": solo.stdout.strip()}).raise_for_status().json()["info"]
    assert (lab["team_id"], lab["max_budget"], lab["rpm_limit"]) == (team_id, 0.001, 120)
    assert (alone["team_id"], alone["max_budget"], alone["rpm_limit"]) == (None, 10.0, 60)

    # the override's budget is the one LiteLLM enforces (the defaults' $10 would not refuse)
    assert ask_openai(dp, "openai/m1", key=secret, max_tokens=5).startswith("hello from m1")
    deadline = time.monotonic() + 60
    while True:  # spend is counted after the response: poll (bounded) until the budget refuses
        try:
            ask_openai(dp, "openai/m1", key=secret)
        except openai.APIStatusError as exc:
            assert exc.status_code == 422 and "Budget has been exceeded" in str(exc), exc
            break
        assert time.monotonic() < deadline, "a key over its override's budget was still accepted after 60 s"
        time.sleep(1)
