"""Talking to LiteLLM's admin API: one HTTP client with retries, pagination and clear errors."""

from llmproxy.litellm.client import LiteLLMClient, RetryPolicy
from llmproxy.litellm.connection import ConnectionSettings, resolve_connection

__all__ = ["ConnectionSettings", "LiteLLMClient", "RetryPolicy", "resolve_connection"]
