"""The names one provider model is exposed under, and the settings of each.

A model is exposed as ``prefix + name`` where the prefix is the model's ``model_name_prefix``, else
the interface's (default ``"<interface>/"``), and the names come from:

* nothing: the model id; ``model_name``: that one name;
* ``model_names`` as a list: each name;
* ``model_names`` as a string: comma-separated names (spaces around them ignored); an empty first
  part (``",b"``) also exposes the model id;
* ``model_names`` as an object ``{name: overrides}``: each name (``"$self"`` is the model id), the
  overrides deep-merged over the model's settings (``litellm_params``, ``model_info``; a ``$delete``
  there removes what the model gives), replacing ``access_groups``; a ``model_name_prefix`` there
  is that name's prefix. ``{}`` exposes the model id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmproxy.config.merge import merge
from llmproxy.config.schema_providers import ModelConfig, NameOverrides

SELF = "$self"


@dataclass(frozen=True)
class ExposedName:
    name: str  # the model group name LiteLLM serves (prefix included)
    bare: str  # the name without its prefix (the default base_model)
    model: ModelConfig  # the model's settings for this name (overrides applied)


MERGED = ("litellm_params", "model_info")


def names_over_model(model: Any) -> Any:
    """A raw model whose ``{name: overrides}`` have the model's ``litellm_params`` / ``model_info``
    merged under them. Done on the raw document, before ``$delete`` is stripped, so an override's
    ``$delete`` removes what it inherits from the model."""
    names = model.get("model_names") if isinstance(model, dict) else None
    if not isinstance(names, dict):
        return model
    out = {}
    for name, overrides in names.items():
        if isinstance(overrides, dict):
            overrides = dict(overrides)
            for key in MERGED:
                if isinstance(overrides.get(key), dict) and isinstance(model.get(key), dict):
                    overrides[key] = merge(model[key], overrides[key])
        out[name] = overrides
    return {**model, "model_names": out}


def _with_overrides(model: ModelConfig, overrides: NameOverrides | None) -> ModelConfig:
    """The model's settings for one name: its overrides (merged by ``names_over_model``) win."""
    if overrides is None:
        return model
    update: dict[str, Any] = {key: getattr(overrides, key) for key in MERGED if getattr(overrides, key) is not None}
    if overrides.access_groups is not None:
        update["access_groups"] = list(overrides.access_groups)
    if overrides.is_public_model_hub is not None:
        update["is_public_model_hub"] = overrides.is_public_model_hub
    return model.model_copy(update=update)


def exposed_names(model: ModelConfig, model_id: str, interface_prefix: str) -> list[ExposedName]:
    """Every name ``model`` (id ``model_id``) is served under, in the order written."""
    prefix = model.model_name_prefix if model.model_name_prefix is not None else interface_prefix
    itself = ExposedName(prefix + model_id, model_id, model)
    names = model.model_names
    if isinstance(names, str):
        parts = [part.strip() for part in names.split(",")]
        out = [itself] if parts[0] == "" and len(parts) > 1 else []
        out += [ExposedName(prefix + part, part, model) for part in parts if part]
        return out or [itself]
    if isinstance(names, dict):
        out = []
        for name, overrides in names.items():
            own = overrides.model_name_prefix if overrides and overrides.model_name_prefix is not None else prefix
            bare = model_id if name == SELF else name
            out.append(ExposedName(own + bare, bare, _with_overrides(model, overrides)))
        return out or [itself]
    if isinstance(names, list):
        return [ExposedName(prefix + name, name, model) for name in names]
    name = model.model_name or model_id
    return [ExposedName(prefix + name, name, model)]
