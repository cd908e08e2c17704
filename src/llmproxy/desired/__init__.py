"""The desired state: the resolved, validated resources LiteLLM should hold."""

from llmproxy.desired.model import Credential, Deployment, DeploymentIdentity, DesiredState, FallbackRule

__all__ = ["Credential", "Deployment", "DeploymentIdentity", "DesiredState", "FallbackRule"]
