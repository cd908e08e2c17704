"""The desired state: the resolved, validated resources LiteLLM should hold."""

from llmproxy.desired.model import (
    KINDS,
    Credential,
    Deployment,
    DeploymentIdentity,
    DesiredState,
    FallbackRule,
)

__all__ = ["KINDS", "Credential", "Deployment", "DeploymentIdentity", "DesiredState", "FallbackRule"]
