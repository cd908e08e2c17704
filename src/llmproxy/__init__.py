"""llmproxy: configuration as code for a self-hosted LiteLLM gateway."""

__version__ = "0.1.0"
