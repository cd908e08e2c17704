"""LiteLLM's public model hub (LiteLLM 1.106, open source).

* ``POST /model_group/make_public`` ``{"model_groups": [...]}`` replaces the whole list
  (``litellm_settings.public_model_groups``, stored in the database; needs STORE_MODEL_IN_DB) and
  sets it in the memory of the LiteLLM that answered; other replicas reload it from the database.
* ``GET /public/model_hub`` (no key needed) is how it reads back: one entry per public group, in
  the list's order, also for a group no deployment serves (then with ``providers: []``).

The list has no room for per-entry metadata, so which groups an owner made public is recorded in
the owner's ledger (``litellm.ledger``), like router entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llmproxy.errors import UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient

READ = "GET /public/model_hub"


def public_model_groups(client: LiteLLMClient) -> tuple[str, ...]:
    body = client.get("/public/model_hub")
    if not isinstance(body, list) or not all(isinstance(g, Mapping) and isinstance(g.get("model_group"), str)
                                             for g in body):
        raise UnexpectedResponse(f"{READ}: expected a list of objects with a 'model_group'", endpoint=READ)
    return tuple(dict.fromkeys(str(g["model_group"]) for g in body))


def make_public(client: LiteLLMClient, groups: Sequence[str]) -> None:
    """Set the whole list (an idempotent write: safe to repeat)."""
    client.request("POST", "/model_group/make_public", json={"model_groups": list(groups)}, retry=True)
