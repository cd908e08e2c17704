"""The planner on random live states, read through the real client checks and ``litellm/read.py``.

LiteLLM's answers (``/v2/model/info`` pages, ``/credentials``, ``/router/settings``,
``/health/readiness``) are random JSON shaped like the real ones, with missing keys, wrong types
and nulls mixed in; a ``LiteLLMClient`` whose ``get`` returns them runs the client's own shape
checks and ``read_live``. Against a random desired state the result must be a plan or the
project's own error (never another exception), and every plan must:

* render as JSON, Markdown and text without any secret of the desired state (also when LiteLLM
  hands one back unmasked);
* delete only with --prune, and then only objects this owner manages;
* never change an object LiteLLM's config file defines or another owner manages, adopt only
  unmarked ones and delete only marked ones;
* never delete a credential that a surviving or desired model still uses.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from llmproxy.desired.model import Credential, Deployment, DesiredState, FallbackRule, thaw
from llmproxy.errors import LLMProxyError
from llmproxy.kinds import KINDS
from llmproxy.litellm.api import CAPABILITIES
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.ledger import LEDGER_INFO_KEY, LEDGER_PREFIX
from llmproxy.litellm.read import read_live
from llmproxy.live.marker import Fingerprinter
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan
from llmproxy.plan.render import render_json, render_markdown, render_text_string
from tests.unit.fuzz.support import fuzz_settings

FP = Fingerprinter("fuzz-fingerprint-key")
OWNERS = ["llmproxy", "team-b"]
CREDENTIALS = ["p-openai", "p-anthropic", "q-gemini"]
MODEL_NAMES = ["m1", "m2", "fast", "openai/*"]
MODELS = ["openai/m1", "anthropic/m2", "gemini/x"]
ALIASES = ["fast", "smart", "m-*"]
ROUTER_KEYS = ["num_retries", "routing_strategy", "timeout", "allowed_fails", "default_litellm_params"]
#: Secret values of the desired state; LiteLLM may echo them back unmasked, under secret keys only.
SECRETS = ["sk-SECRET-alpha-1111", "sk-SECRET-beta-2222", "Bearer sk-SECRET-gamma-3333"]


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], odds: int = 4) -> st.SearchStrategy[Any]:
    """``good`` about ``odds`` times for each ``bad`` one."""
    return st.sampled_from([True] * odds + [False]).flatmap(lambda ok: good if ok else bad)


JUNK = st.recursive(st.none() | st.booleans() | st.integers(-1, 3) | st.sampled_from(["", "x", "m1", "fast"]),
                    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["a", "model", "m1"]),
                                                                                inner, max_size=2),
                    max_leaves=4)
NAMES = st.sampled_from(MODEL_NAMES + ALIASES + ["ghost"])
SECRET = st.sampled_from(SECRETS)
SECRET_OR_REFERENCE = st.sampled_from([*SECRETS, "os.environ/PROVIDER_KEY"])

# -- the desired state -------------------------------------------------------------------------

CREDENTIAL = st.builds(
    Credential, name=st.sampled_from(CREDENTIALS),
    values=st.fixed_dictionaries(
        {"api_key": SECRET_OR_REFERENCE, "api_base": st.sampled_from(["http://up/v1", "http://up2"])},
        optional={"aws_secret_access_key": SECRET, "extra": st.fixed_dictionaries({"token": SECRET})}),
    info=st.fixed_dictionaries({"custom_llm_provider": st.sampled_from(["OpenAI_Compatible", "Anthropic"])}),
)
DESIRED_CREDENTIALS = st.lists(CREDENTIAL, unique_by=lambda c: c.name, max_size=3)
DEPLOYMENT = st.builds(
    Deployment, model_name=st.sampled_from(MODEL_NAMES),
    litellm_params=st.fixed_dictionaries({"model": st.sampled_from(MODELS)}, optional={
        "litellm_credential_name": st.sampled_from(CREDENTIALS), "api_key": SECRET_OR_REFERENCE,
        "rpm": st.integers(0, 3), "extra_headers": st.fixed_dictionaries({"Authorization": SECRET})}),
    model_info=st.fixed_dictionaries({"base_model": st.sampled_from(["m1", "m2"])},
                                     optional={"access_groups": st.lists(st.sampled_from(["G", "P"]), max_size=2)}),
)
DESIRED_DEPLOYMENTS = st.lists(DEPLOYMENT, unique_by=lambda d: d.identity, max_size=4)
DESIRED = st.builds(
    DesiredState, owner=st.sampled_from(OWNERS),
    credentials=st.none() | DESIRED_CREDENTIALS,
    deployments=st.none() | DESIRED_DEPLOYMENTS,
    aliases=st.none() | st.dictionaries(st.sampled_from(ALIASES), NAMES, max_size=3),
    fallbacks=st.none() | st.lists(
        st.builds(FallbackRule, source=NAMES, targets=st.lists(NAMES, min_size=1, max_size=2)),
        unique_by=lambda r: r.source, max_size=3),
    router_settings=st.none() | st.fixed_dictionaries({}, optional={
        "num_retries": st.integers(0, 3), "routing_strategy": st.sampled_from(["simple-shuffle", "least-busy"]),
        "default_litellm_params": st.fixed_dictionaries({"api_key": SECRET})}),
)
OPTIONS = st.builds(PlanOptions, only=st.sets(st.sampled_from(KINDS), min_size=1).map(frozenset),
                    prune=st.booleans(), force=st.booleans())

# -- what LiteLLM answers ----------------------------------------------------------------------

FIELD_NAMES = st.sampled_from(["api_key", "api_base", "model", "litellm_credential_name", "rpm", "base_model", "mode"])
MARKER = st.fixed_dictionaries({"owner": mostly(st.sampled_from(OWNERS), JUNK)}, optional={
    "fields": mostly(st.lists(FIELD_NAMES, max_size=3), JUNK),
    "info_fields": mostly(st.lists(FIELD_NAMES, max_size=3), JUNK),
    "secrets": mostly(st.dictionaries(FIELD_NAMES, st.sampled_from(["hmac-sha256:0", "x"]), max_size=2), JUNK),
    "applied_by": JUNK, "applied_at": JUNK,
})
SECRET_SHOWN = st.sampled_from(["sk-****11", "", "os.environ/PROVIDER_KEY"]) | SECRET | JUNK
LIVE_PARAMS = st.fixed_dictionaries({}, optional={
    "model": mostly(st.sampled_from(MODELS), JUNK),
    "litellm_credential_name": mostly(st.sampled_from(CREDENTIALS), JUNK),
    "api_key": SECRET_SHOWN, "rpm": JUNK, "use_litellm_proxy": st.booleans(),
    "extra_headers": mostly(st.fixed_dictionaries({"Authorization": SECRET_SHOWN}), JUNK),
})
IDS = st.sampled_from(["id-1", "id-2", "id-3", "id-4"])
MODEL_INFO = st.fixed_dictionaries({"id": mostly(IDS, st.integers(0, 3) | JUNK, 12)}, optional={
    "db_model": mostly(st.booleans(), JUNK), "llmproxy": mostly(MARKER, JUNK),
    "base_model": JUNK, "mode": JUNK, "input_cost_per_token": st.none() | st.floats(0, 1), "key": JUNK,
})
MODEL_ITEM = st.fixed_dictionaries({"model_info": mostly(MODEL_INFO, JUNK, 12)}, optional={
    "model_name": mostly(st.sampled_from(MODEL_NAMES), JUNK),
    "litellm_params": mostly(LIVE_PARAMS, JUNK),
})
MODEL_PAGE = st.fixed_dictionaries({"data": st.lists(MODEL_ITEM, max_size=3)}, optional={
    "total_count": mostly(st.integers(0, 5), JUNK), "total_pages": mostly(st.integers(0, 2), JUNK),
    "size": mostly(st.integers(6, 600), st.integers(1, 5) | JUNK),
})
LEDGER_INFO = st.fixed_dictionaries({LEDGER_INFO_KEY: mostly(st.fixed_dictionaries(
    {"owner": mostly(st.sampled_from(OWNERS), JUNK)}, optional={
        "aliases": mostly(st.lists(st.sampled_from(ALIASES)), JUNK),
        "fallbacks": mostly(st.lists(NAMES, max_size=3), JUNK),
        "router_settings": mostly(st.lists(st.sampled_from(ROUTER_KEYS), max_size=3), JUNK)}), JUNK)})
CREDENTIAL_ITEM = st.fixed_dictionaries({
    "credential_name": mostly(st.sampled_from(CREDENTIALS + [LEDGER_PREFIX + o for o in OWNERS]), JUNK, 12)}, optional={
    "credential_values": mostly(st.fixed_dictionaries({}, optional={"api_key": SECRET_SHOWN, "api_base": JUNK}), JUNK),
    "credential_info": mostly(st.fixed_dictionaries({}, optional={"llmproxy": mostly(MARKER, JUNK),
                                                                 "custom_llm_provider": JUNK}) | LEDGER_INFO, JUNK),
    "source": st.sampled_from(["db", "config"]) | JUNK,
})
ALIAS_VALUE = st.one_of(NAMES, NAMES, st.fixed_dictionaries({}, optional={"model": mostly(NAMES, JUNK),
                                                                          "hidden": JUNK}), JUNK)
CURRENT_VALUES = st.fixed_dictionaries({}, optional={
    "model_group_alias": mostly(st.dictionaries(st.sampled_from(ALIASES), ALIAS_VALUE, max_size=3), JUNK),
    "fallbacks": mostly(st.lists(mostly(st.dictionaries(NAMES, mostly(st.lists(NAMES, max_size=2), JUNK, 12),
                                                        max_size=2), JUNK), max_size=3), JUNK, 12),
    "num_retries": JUNK, "routing_strategy": JUNK,
    "default_litellm_params": mostly(st.fixed_dictionaries({"api_key": SECRET_SHOWN}), JUNK),
})
ROUTER_FIELD = st.fixed_dictionaries({"field_name": mostly(st.sampled_from(ROUTER_KEYS), JUNK)},
                                     optional={"field_default": JUNK})
BODIES = st.fixed_dictionaries({
    "/health/readiness": mostly(st.just({"status": "healthy", "db": "connected"}), JUNK, 12),
    "/v2/model/info": mostly(MODEL_PAGE, JUNK, 12),
    "/credentials": mostly(st.fixed_dictionaries({"credentials": st.lists(CREDENTIAL_ITEM, max_size=3)}), JUNK, 12),
    "/router/settings": mostly(st.fixed_dictionaries({"current_values": mostly(CURRENT_VALUES, JUNK, 12)}, optional={
        "fields": mostly(st.lists(mostly(ROUTER_FIELD, JUNK), max_size=3), JUNK, 12)}), JUNK, 12),
})

# -- LiteLLM's view of the desired objects: as a sync left them, then drifted ---------------------

STALE_DEPLOYMENTS = st.lists(DEPLOYMENT, max_size=2)
STALE_CREDENTIALS = st.lists(CREDENTIAL, max_size=2)


def _marker(draw: st.DrawFn, owner: str, values: dict[str, Any], info: dict[str, Any] | None = None) -> dict[str, Any]:
    marker = {"owner": draw(st.sampled_from([owner, owner, *OWNERS])),
              "fields": draw(st.just(sorted(values)) | st.lists(FIELD_NAMES, max_size=3)),
              "secrets": draw(st.just(FP.all(values)) | st.just({}) | JUNK)}
    if info is not None:
        marker["info_fields"] = draw(st.just(sorted(info)) | st.lists(FIELD_NAMES, max_size=2))
    return marker


def _drifted(draw: st.DrawFn, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as LiteLLM shows them: secrets masked (or not), a field changed, added or gone."""
    out = {k: draw(SECRET_SHOWN) if k in ("api_key", "aws_secret_access_key") else v for k, v in values.items()}
    for _ in range(draw(st.integers(0, 2))):
        key = draw(FIELD_NAMES | st.sampled_from(sorted(out) or ["rpm"]))
        if key not in ("model", "litellm_credential_name"):
            if draw(st.booleans()):
                out[key] = draw(JUNK)
            else:
                out.pop(key, None)
    return out


@st.composite
def echoes(draw: st.DrawFn, desired: DesiredState) -> dict[str, Any]:
    """Random answers, plus desired objects and objects of an older config (to be pruned) as
    LiteLLM would list them."""
    bodies = draw(BODIES)
    models, creds, router = (bodies[k] for k in ("/v2/model/info", "/credentials", "/router/settings"))
    for dep in [*(desired.deployments or ()), *draw(STALE_DEPLOYMENTS)]:
        if isinstance(models, dict) and isinstance(models.get("data"), list) and draw(st.booleans()):
            params, info = thaw(dep.litellm_params), thaw(dep.model_info)
            live_info = {**_drifted(draw, info), "id": draw(IDS | st.just(dep.content_id(desired.owner))),
                         "db_model": draw(mostly(st.just(True), JUNK)), "input_cost_per_token": 1e-6}
            if draw(st.booleans()):
                live_info["llmproxy"] = _marker(draw, desired.owner, params, info)
            models["data"].append({"model_name": dep.model_name, "model_info": live_info,
                                   "litellm_params": {**_drifted(draw, params), "use_litellm_proxy": False}})
    for cred in [*(desired.credentials or ()), *draw(STALE_CREDENTIALS)]:
        if isinstance(creds, dict) and isinstance(creds.get("credentials"), list) and draw(st.booleans()):
            values = thaw(cred.values)
            info = thaw(cred.info)
            if draw(st.booleans()):
                info["llmproxy"] = _marker(draw, desired.owner, values)
            creds["credentials"].append({"credential_name": cred.name, "credential_values": _drifted(draw, values),
                                         "credential_info": info, "source": draw(mostly(st.just("db"), JUNK))})
    if isinstance(creds, dict) and isinstance(creds.get("credentials"), list):
        for owner in draw(st.lists(st.sampled_from(OWNERS), unique=True)):
            entries = {kind: sorted(draw(st.sets(st.sampled_from(keys)))) for kind, keys in (
                ("aliases", ALIASES), ("fallbacks", MODEL_NAMES + ALIASES), ("router_settings", ROUTER_KEYS))}
            creds["credentials"].append({"credential_name": LEDGER_PREFIX + owner, "credential_values": {"note": ""},
                                         "credential_info": {LEDGER_INFO_KEY: {"owner": owner, **entries}}})
    values = router.get("current_values") if isinstance(router, dict) else None
    if isinstance(values, dict) and draw(st.booleans()):
        aliases = values.get("model_group_alias")
        if isinstance(aliases, dict) and desired.aliases:
            aliases.update(draw(st.dictionaries(st.sampled_from(sorted(desired.aliases)), NAMES, max_size=2)))
        fallbacks = values.get("fallbacks")
        if isinstance(fallbacks, list) and desired.fallbacks:
            fallbacks += [{r.source: draw(st.just(list(r.targets)) | st.lists(NAMES, max_size=2))}
                          for r in desired.fallbacks if draw(st.booleans())]
        values.update({k: draw(st.just(thaw(v)) | JUNK) for k, v in (desired.router_settings or {}).items()})
    return bodies


SCENARIOS = DESIRED.flatmap(lambda desired: st.tuples(st.just(desired), echoes(desired)))


class CannedLiteLLM(LiteLLMClient):
    """The real client (pagination and shape checks) answering every GET with canned bodies."""

    def __init__(self) -> None:
        super().__init__("http://litellm.fuzz.invalid", "sk-fuzz-admin-key-0000")
        self.bodies: dict[str, Any] = {}

    def get(self, path: str, **params: Any) -> Any:
        return copy.deepcopy(self.bodies[path])


# -- the invariants ----------------------------------------------------------------------------

def secrets_of(desired: DesiredState) -> set[str]:
    text = json.dumps(desired.to_json(show_secrets=True))
    return {secret for secret in SECRETS if secret in text}


def check_plan(plan: Plan, desired: DesiredState, live: LiveState, options: PlanOptions) -> None:
    renderings = {"json": render_json(plan), "markdown": render_markdown(plan), "text": render_text_string(plan)}
    json.loads(renderings["json"])
    for name, text in renderings.items():
        for secret in secrets_of(desired):
            assert secret not in text, f"secret {secret!r} in the {name} rendering:\n{text}"

    owner = desired.owner
    assert set(plan.kinds) <= options.only
    deleted_credentials = set()
    for change in plan.changes:
        assert change.kind in plan.kinds, change
        if change.action is Action.DELETE:
            assert options.prune, f"a deletion without --prune: {change}"
        if change.kind in ("credentials", "models") and change.live is not None:
            current = change.live
            assert not current.read_only, f"changes an object of LiteLLM's config file: {change}"
            if change.action in (Action.ADOPT, Action.DELETE):
                assert (current.marker is None) == (change.action is Action.ADOPT), change
            # An unmarked object of a desired identity is adopted (possibly by a replace).
            assert current.marker is None or current.marker.owner == owner, \
                f"{change.action.value} of another owner's object: {change}"
        elif change.action is Action.DELETE and change.kind in ("aliases", "fallbacks"):
            assert change.key in live.ledger(owner).entries(change.kind), change
        if change.kind == "credentials" and change.action is Action.DELETE:
            deleted_credentials.add(change.key)
    gone = {c.live.id for c in plan.changes if c.kind == "models" and c.action is Action.DELETE}
    users = {d.credential for d in live.deployments if d.id not in gone}
    users |= {c.desired.credential for c in plan.changes if c.kind == "models" and c.desired is not None}
    assert not deleted_credentials & users, f"deletes credentials still in use: {deleted_credentials & users}"


def _answers(**bodies: Any) -> dict[str, Any]:
    """An empty LiteLLM, except for ``bodies`` (keyword: the path without slashes)."""
    empty = {"/health/readiness": {"db": "connected"}, "/v2/model/info": {"data": []},
             "/credentials": {"credentials": []}, "/router/settings": {"current_values": {}}}
    return {**empty, **{f"/{k.replace('_', '/')}": v for k, v in bodies.items()}}


#: Inputs the fuzzing found: each crashed (or leaked a secret) before its fix.
FOUND = [
    # A ledger credential whose credential_info is not an object: AttributeError in read_live.
    (DesiredState(), _answers(credentials={"credentials": [
        {"credential_name": LEDGER_PREFIX + "x", "credential_info": "x"}]})),
    # Router 'fields' not a list: TypeError in parse_router.
    (DesiredState(), _answers(router_settings={"current_values": {}, "fields": 1})),
    # Fallback targets not a list: TypeError (an int) or a string split into letters.
    (DesiredState(), _answers(router_settings={"current_values": {"fallbacks": [{"a": 1}]}})),
    (DesiredState(fallbacks=()), _answers(router_settings={"current_values": {"fallbacks": [{"a": "xy"}]}})),
    # An alias value {"hidden": true} without "model": KeyError in the routing preflight.
    (DesiredState(aliases={}),
     _answers(router_settings={"current_values": {"model_group_alias": {"a": {"hidden": True}}}})),
    # A secret under a secret key inside a plain field: shown in clear by every plan rendering.
    (DesiredState(credentials=(Credential("c", {"api_key": "os.environ/K", "extra": {"token": SECRETS[0]}}, {}),),
                  router_settings={"default_litellm_params": {"api_key": SECRETS[1]}}), _answers()),
]


def test_planner_on_random_live_states() -> None:
    client = CannedLiteLLM()
    outcomes: Counter[str] = Counter()

    @fuzz_settings(1000)
    @given(scenario=SCENARIOS, options=OPTIONS)
    def run(scenario: tuple[DesiredState, dict[str, Any]], options: PlanOptions) -> None:
        desired, client.bodies = scenario
        try:
            live = read_live(client)
        except LLMProxyError:
            outcomes["live state refused"] += 1
            return
        try:
            plan = build_plan(desired, live, FP, options, capabilities=CAPABILITIES)
        except LLMProxyError:
            outcomes["plan refused"] += 1
            return
        outcomes["planned"] += 1
        check_plan(plan, desired, live, options)

    for scenario in FOUND:
        run = example(scenario=scenario, options=PlanOptions(prune=True))(run)
    try:
        run()
    finally:
        client.close()
    total = sum(outcomes.values())
    assert outcomes["planned"] >= total // 3, outcomes
