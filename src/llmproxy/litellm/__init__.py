"""The LiteLLM target: every request to LiteLLM's API (``client``: retries and clear errors; ``pages``:
complete listings; ``read``: live state; ``api``: the writes and ``CAPABILITIES``; ``probe``; ``keys_api``),
and ``config_file``: LiteLLM's own config.yaml as a second target."""

from llmproxy.litellm.client import LiteLLMClient, RetryPolicy
from llmproxy.litellm.connection import ConnectionSettings, resolve_connection

__all__ = ["ConnectionSettings", "LiteLLMClient", "RetryPolicy", "resolve_connection"]
