"""Prove an exported config means what LiteLLM holds: load it with llmproxy's own loader and
compare every compiled credential and deployment with the live object it came from.

Secrets are written as a plain placeholder naming the variable here (passed through unchanged by
the loader; not ``os.environ/VAR``, which the compiler moves onto the deployments), so no variable
needs to be set. A mismatch is not an error: the caller writes that object another way
(a deployment in the literal ``models`` list, a credential left as it is) and verifies again.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmproxy.config import load_config
from llmproxy.desired.model import DeploymentIdentity, thaw
from llmproxy.errors import ConfigError, LLMProxyError
from llmproxy.export.views import ModelView, SecretRef
from llmproxy.plan.compare import same


def render(value: Any, secret: Any, escape: bool = True) -> Any:
    """JSON-ready copy: ``SecretRef`` -> ``secret(ref)``; a literal ``${`` escaped as ``$${``
    (the config language's own escape) unless ``escape`` is false."""
    if isinstance(value, SecretRef):
        return secret(value)
    if isinstance(value, str):
        return value.replace("${", "$${") if escape else value
    if isinstance(value, Mapping):
        return {k: render(v, secret, escape) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v, secret, escape) for v in value]
    return value


def placeholder(ref: SecretRef) -> str:
    return f"llmproxy-export-secret:{ref.var}"


@dataclass
class Mismatches:
    credentials: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)  # ModelView ids

    def __bool__(self) -> bool:
        return bool(self.credentials or self.models)


def _expected_model(view: ModelView) -> dict[str, Any]:
    return {"model_name": view.model_name, "litellm_params": render(view.litellm_params, placeholder, False),
            "model_info": render(view.model_info, placeholder, False)}


def verify(document: dict[str, Any], credentials: Mapping[str, Mapping[str, Any]],
           models: Mapping[DeploymentIdentity, ModelView]) -> Mismatches:
    """``document``: the config with secrets in place (``SecretRef``). ``credentials``: name ->
    expected non-secret values and info (``{"api_base": ..., "custom_llm_provider": ...}``)."""
    with tempfile.TemporaryDirectory(prefix="llmproxy-export-") as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(render(document, placeholder)))
        try:
            desired = load_config(path, None, None).desired
        except ConfigError as exc:
            raise LLMProxyError(f"export made a config that llmproxy cannot load (a bug, please report it): "
                                f"{exc.message}") from None
    bad = Mismatches()
    for cred in desired.credentials or ():
        want = credentials.get(cred.name, {})
        got = {"api_base": cred.values.get("api_base"), **thaw(cred.info)}
        if not same(got, dict(want)):
            bad.credentials.add(cred.name)
    compiled = {d.identity: d for d in desired.deployments or ()}
    for identity, view in models.items():
        dep = compiled.pop(identity, None)
        got_model = None if dep is None else {"model_name": dep.model_name, "litellm_params": thaw(dep.litellm_params),
                                              "model_info": thaw(dep.model_info)}
        if got_model is None or not same(got_model, _expected_model(view)):
            bad.models.add(view.id)
    if compiled:
        raise LLMProxyError("export made a config with deployments LiteLLM does not have (a bug, please "
                            f"report it): {', '.join(str(i) for i in compiled)}")
    return bad
