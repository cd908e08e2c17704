"""Model names the successor scripts' ``is_public_model_hub`` flags make public.

A name's own setting (a ``model_names`` entry's, else its model's: ``default_model`` < provider
``models`` < interface ``models``) wins over its interface's, then its provider's; unset is false.
The successor reads no interface-level flag (it accepts and ignores one); llmproxy uses it as the
level between, as written. ``model_aliases`` clones are never derived (the successor ignores the
flag there; the schema refuses it), nor literal ``models``. Only names of compiled deployments
count, in config order, each once.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmproxy.config.model_names import exposed_names
from llmproxy.config.schema import ConfigFile
from llmproxy.config.schema_providers import ModelConfig
from llmproxy.desired.model import Deployment


def derived_public_groups(config: ConfigFile, deployments: Iterable[Deployment] | None) -> tuple[str, ...]:
    """The model groups ``is_public_model_hub`` marks, among those ``deployments`` serve."""
    served = {d.model_name for d in deployments or ()}
    names: list[str] = []
    for _, provider in config.providers.entries() if config.providers else []:
        for iface_name, iface in provider.interfaces.enabled() if provider.interfaces else []:
            fallback = next((v for v in (iface.is_public_model_hub, provider.is_public_model_hub) if v is not None),
                            False)
            prefix = iface.model_name_prefix if iface.model_name_prefix is not None else f"{iface_name}/"
            for model_id, model in iface.models.entries() if iface.models else []:
                model = model or ModelConfig()
                if model.ignored:
                    continue
                for exposed in exposed_names(model, model_id, prefix):
                    flag = exposed.model.is_public_model_hub
                    if (fallback if flag is None else flag) and exposed.name in served:
                        names.append(exposed.name)
    return tuple(dict.fromkeys(names))
