"""``LiteLLMApi``: the LiteLLM admin API as a target. It reads the live state, performs the writes
the resource kinds ask for (the exact request bodies, and how each write stays safe to repeat:
deterministic ids, idempotent PATCH / set, "already gone" counts as deleted), and declares the
server's capabilities and quirks for the planner."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from llmproxy.desired.keys import DesiredKey
from llmproxy.desired.model import Credential, Deployment, Guardrail, thaw
from llmproxy.errors import Conflict, LLMProxyError, NotFound
from llmproxy.keys.delivery import SecretSink
from llmproxy.litellm import guardrails_api, keys_target, model_hub_api
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.lease import Lease
from llmproxy.litellm.ledger import ledger_body, ledger_name
from llmproxy.litellm.metadata import audit_fields, carried_model_info, others_keys
from llmproxy.litellm.read import parse_credential, parse_deployment, parse_router, read_live
from llmproxy.litellm.replicas import Replicas
from llmproxy.litellm.router_payload import public_groups_payload, router_payload
from llmproxy.litellm.teams_api import TeamsApi
from llmproxy.litellm.users_api import UsersApi
from llmproxy.live.keys import LiveKey
from llmproxy.live.marker import MARKER_KEY, Fingerprinter, Marker
from llmproxy.live.model import Ledger, LiveCredential, LiveDeployment, LiveGuardrail, LiveRouter, LiveState
from llmproxy.plan.context import Capabilities
from llmproxy.plan.model import Change

#: LiteLLM 1.x: ``PATCH /model/{id}/update`` merges (an omitted or null key keeps its value), it
#: adds five boolean params to every deployment, and it derives model_info fields of its own.
CAPABILITIES = Capabilities(
    name="LiteLLM",
    update_removes_fields=False,
    server_default_params=frozenset({
        "use_xai_oauth", "use_litellm_proxy", "use_in_pass_through",
        "allow_client_keepalive_override", "merge_reasoning_content_in_choices",
    }),
    server_info_fields=frozenset({
        "id", "db_model", "member_auto_router", "blocked", "key", "pricing_overrides",
        "created_at", "created_by", "updated_at", "updated_by",
    }),
)


class LiteLLMApi:
    capabilities = CAPABILITIES

    def __init__(self, client: LiteLLMClient, owner: str, fingerprinter: Fingerprinter,
                 extras: frozenset[str] = frozenset(), *, access: bool = False, with_keys: bool = False) -> None:
        self.client = client
        self.owner = owner
        self.fp = fingerprinter
        #: Inventories read besides credentials, models and router settings (``read.EXTRAS``):
        #: those of the kinds the config has (``Manager`` sets them).
        self.extras = extras
        self.access = access  # read (and write) teams and users
        self.teams = TeamsApi(client, owner)
        self.users = UsersApi(client, owner)
        self.with_keys = with_keys  # read the virtual keys too (the config has a "keys" section)
        self.key_sink: SecretSink | None = None  # where minted secrets go (sync --keys-out / --output json)

    # -- reading ----------------------------------------------------------------------------
    def read(self) -> LiveState:
        return read_live(self.client, self.extras, access=self.access, keys=self.with_keys)

    def read_cost_map(self) -> dict[str, Any] | str:
        """The cost map the proxy loaded (``/public/litellm_model_cost_map``, the catalog without
        the entries it registers per deployment), or why it could not be read."""
        try:
            cost_map = self.client.get("/public/litellm_model_cost_map", catalog_only="true")
        except LLMProxyError as exc:
            return exc.message
        return cost_map if isinstance(cost_map, dict) else "not a JSON object"

    @property
    def write_count(self) -> int:
        return self.client.write_count

    def lease(self, wait: float) -> Lease:
        """The gateway-wide lease a sync holds while it plans and writes (``litellm.lease``)."""
        return Lease(self.client, self.owner, wait=wait, notify=self.client.notify)

    @property
    def replicas(self) -> Replicas:
        """Has every replica behind a balancer seen the last sync? (``litellm.replicas``)"""
        return Replicas(self.client, notify=self.client.notify)

    def await_ledger(self, timeout: float) -> str | None:
        """Wait (bounded) until every replica shows the same ledger of this owner. None when they
        agree, else a sentence saying so (``Replicas.await_same``)."""
        return self.await_settled(("ledger",), timeout)

    #: What a replica that has loaded a sync must also show the same as every other, by surface:
    #: (label, path, the part compared). A reload pass loads credentials (the witness) before it
    #: applies models and router settings, so a replica can show the witness a moment early.
    def _surfaces(self) -> dict[str, tuple[str, str, Callable[[Any], Any]]]:
        return {
            "ledger": (f"the ledger of owner {self.owner!r}", f"/credentials/by_name/{ledger_name(self.owner)}",
                       lambda raw: raw.get("credential_info") if isinstance(raw, dict) else raw),
            "router": ("the router settings (aliases, fallbacks)", "/router/settings",
                       lambda raw: raw.get("current_values") if isinstance(raw, dict) else raw),
            "models": ("the model names served", "/v1/models",
                       lambda raw: sorted(str(m.get("id")) for m in raw.get("data", []) if isinstance(m, dict))
                       if isinstance(raw, dict) else raw),
        }

    def await_settled(self, surfaces: Sequence[str], timeout: float) -> str | None:
        """Wait (bounded, ``timeout`` s in all) until every replica shows the same ``surfaces``
        (keys of ``_surfaces``). None when they agree, else a sentence naming the first that does
        not."""
        deadline = time.monotonic() + timeout
        known = self._surfaces()
        for name in surfaces:
            label, path, pick = known[name]
            wait = max(0.0, deadline - time.monotonic())
            agree, reads = self.replicas.await_same(path, wait, pick)
            if agree < reads:
                return (f"the gateway's replicas disagree on {label}: {agree}/{reads} reads agree after waiting "
                        f"{timeout:.0f} s (a replica still holds an older copy; changes or ledger repairs shown "
                        "now may be that propagation)")
        return None

    @property
    def circuit_open(self) -> bool:
        """LiteLLM could not be reached several times in a row: attempt nothing more."""
        return self.client.circuit_open

    @property
    def breaker(self) -> int:
        return self.client.retry.breaker

    # -- credentials ------------------------------------------------------------------------
    def _credential_info(self, cred: Credential, live: LiveCredential | None = None) -> dict[str, Any]:
        """The config's info, the marker, and every key another tool wrote. LiteLLM merges
        ``credential_info`` on update, so a key llmproxy set and the config dropped is sent as null
        (read back as absent)."""
        marker = Marker(owner=self.owner, fields=tuple(sorted(cred.values)), info_fields=tuple(sorted(cred.info)),
                        secrets=self.fp.all(cred.values) or None)
        kept = others_keys(live.info, cred.info, live.marker) if live else {}
        previously = live.marker.info_fields if live is not None and live.marker is not None else ()
        dropped = {k: None for k in previously if live is not None and k in live.info and k not in cred.info}
        return {**kept, **dropped, **thaw(cred.info), MARKER_KEY: marker.to_json()}

    def create_credential(self, cred: Credential) -> None:
        body = {"credential_name": cred.name, "credential_values": thaw(cred.values),
                "credential_info": self._credential_info(cred)}
        try:
            self.client.request("POST", "/credentials", json=body, retry=True)
        except Conflict:
            # Our own earlier attempt may have landed (response lost): update it if it is ours.
            current = self.get_credential(cred.name)
            if current is None or (current.marker and current.marker.owner != self.owner):
                raise
            self.update_credential(cred, current)

    def update_credential(self, cred: Credential, live: LiveCredential | None) -> None:
        body: dict[str, Any] = {"credential_info": self._credential_info(cred, live),
                                "credential_values": thaw(cred.values)}
        stale = sorted(set(live.values) - set(cred.values)) if live else []
        if stale:
            body["credential_values_to_delete"] = stale
        self.client.request("PATCH", f"/credentials/{cred.name}", json=body, retry=True)

    def delete_credential(self, name: str) -> None:
        # NotFound: already gone (e.g. a retried delete whose first response was lost)
        with contextlib.suppress(NotFound):
            self.client.request("DELETE", f"/credentials/{name}", retry=True)

    def credentials_in_use(self) -> set[str]:
        """Credential names the live models refer to (read now, not from the plan's snapshot)."""
        return {str(m.get("litellm_params", {}).get("litellm_credential_name"))
                for m in self.client.get_all_models()}

    def get_credential(self, name: str) -> LiveCredential | None:
        try:
            return parse_credential(self.client.get(f"/credentials/by_name/{name}"))
        except NotFound:
            return None

    # -- models -----------------------------------------------------------------------------
    def _model_info(self, dep: Deployment, model_id: str, replaces: str | None = None,
                    previous: LiveDeployment | None = None) -> dict[str, Any]:
        """The config's model_info, the marker and the audit fields (``litellm.metadata``);
        ``previous``: the deployment this write updates or replaces."""
        marker = Marker(owner=self.owner, fields=tuple(sorted(dep.litellm_params)),
                        info_fields=tuple(sorted(dep.model_info)),
                        secrets=self.fp.all(dep.litellm_params) or None, replaces=replaces)
        audit = audit_fields(previous.model_info if previous else None)
        return {**thaw(dep.model_info), **audit, "id": model_id, MARKER_KEY: marker.to_json()}

    def create_model(self, dep: Deployment, avoid_id: str | None = None,
                     replacing: LiveDeployment | None = None) -> str:
        """Create the deployment under a deterministic id and return it. Repeating the request
        cannot make a second copy: LiteLLM refuses a duplicate id, and we then look it up.
        ``replacing``: the deployment this one replaces (its creation audit fields and the
        model_info keys other tools wrote are carried over)."""
        model_id = dep.content_id(self.owner)
        if model_id == avoid_id:  # the replacement of an object that already holds this id
            model_id = dep.content_id(self.owner + "/replacement")
        kept = carried_model_info(replacing, dep, self.capabilities.server_info_fields) if replacing else {}
        body = {"model_name": dep.model_name, "litellm_params": thaw(dep.litellm_params),
                "model_info": {**kept, **self._model_info(dep, model_id, replaces=avoid_id, previous=replacing)}}
        try:
            self.client.request("POST", "/model/new", json=body, retry=True)
        except LLMProxyError as failure:
            # A retried create answers "already exists" when an earlier attempt landed.
            try:
                existing = self.get_model(model_id)
            except LLMProxyError:
                raise failure from None
            if existing is None or existing.marker is None or existing.marker.owner != self.owner:
                raise
        return model_id

    def update_model(self, dep: Deployment, live: LiveDeployment) -> None:
        # PATCH merges model_info: the keys other tools wrote stay as they are.
        body = {"model_name": dep.model_name, "litellm_params": thaw(dep.litellm_params),
                "model_info": self._model_info(dep, live.id, previous=live)}
        self.client.request("PATCH", f"/model/{live.id}/update", json=body, retry=True)

    def delete_model(self, model_id: str) -> None:
        with contextlib.suppress(NotFound):
            self.client.request("POST", "/model/delete", json={"id": model_id}, retry=True)

    def get_model(self, model_id: str) -> LiveDeployment | None:
        body = self.client.get("/v2/model/info", modelId=model_id)
        for raw in (body or {}).get("data", []) if isinstance(body, dict) else []:
            dep = parse_deployment(raw)
            if dep.id == model_id:
                return dep
        return None

    # -- virtual keys (llmproxy.litellm.keys_target) -------------------------------------------
    def create_key(self, key: DesiredKey) -> None:
        keys_target.create_key(self.client, self.owner, key, self.key_sink)

    def update_key(self, key: DesiredKey, live: LiveKey, *, stamp: bool = True) -> None:
        keys_target.update_key(self.client, self.owner, key, live, stamp=stamp)

    def delete_key(self, live: LiveKey) -> None:
        keys_target.delete_key(self.client, live)

    # -- router settings and the ledger -------------------------------------------------------
    def write_router(self, changes: Sequence[Change], live: LiveRouter) -> None:
        """One ``/config/update``: it replaces each top-level key sent and keeps the others, so
        each key is sent whole, with the entries llmproxy does not manage. The changes are this
        owner's delta, applied onto a fresh read taken just before the write (not onto the plan's
        snapshot), so entries another writer made since the plan are kept; verify-after-apply then
        checks the result."""
        del live  # the plan's snapshot: possibly stale by now
        settings = router_payload(parse_router(self.client.get_router_settings()), changes)
        if settings:
            self.client.request("POST", "/config/update", json={"router_settings": settings}, retry=True)

    def write_ledger(self, ledger: Ledger, kinds: Sequence[str], exists: bool) -> None:
        body = ledger_body(self.owner, ledger, kinds)
        if exists:
            del body["credential_name"]
            self.client.request("PATCH", f"/credentials/{ledger_name(self.owner)}", json=body, retry=True)
        else:
            try:
                self.client.request("POST", "/credentials", json=body, retry=True)
            except Conflict:
                self.write_ledger(ledger, kinds, exists=True)

    # -- guardrails and the public model hub ----------------------------------------------------
    def _guardrail_info(self, g: Guardrail, live: LiveGuardrail | None) -> dict[str, Any]:
        marker = Marker(owner=self.owner, fields=tuple(sorted(g.litellm_params)), info_fields=tuple(sorted(g.info)),
                        secrets=self.fp.all(g.litellm_params) or None)
        kept = others_keys(live.info, g.info, live.marker) if live else {}
        return {**kept, **thaw(g.info), MARKER_KEY: marker.to_json()}

    def create_guardrail(self, guardrail: Guardrail) -> None:
        guardrails_api.create_guardrail(self.client, guardrail.name, thaw(guardrail.litellm_params),
                                        self._guardrail_info(guardrail, None), self.owner)

    def update_guardrail(self, guardrail: Guardrail, live: LiveGuardrail) -> None:
        """``PUT`` replaces the whole guardrail: the fields others set are sent back with it."""
        params = {**guardrails_api.kept_params(guardrail.litellm_params, live), **thaw(guardrail.litellm_params)}
        guardrails_api.update_guardrail(self.client, live.id, guardrail.name, params,
                                        self._guardrail_info(guardrail, live))

    def delete_guardrail(self, live: LiveGuardrail) -> None:
        guardrails_api.delete_guardrail(self.client, live.id)

    def write_public_model_groups(self, changes: Sequence[Change]) -> None:
        """One ``/model_group/make_public`` with this owner's delta applied onto a fresh read (the
        groups others made public since the plan stay); nothing is sent when nothing changes."""
        current = model_hub_api.public_model_groups(self.client)
        groups = public_groups_payload(current, changes)
        if groups != list(current):
            model_hub_api.make_public(self.client, groups)
