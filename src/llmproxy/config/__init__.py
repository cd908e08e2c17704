"""The config language: config.json + config.local.json (+ .env) -> ``DesiredState``.

``load_config`` is the one entry point; everything else in this package is a step of it.
"""

from llmproxy.config.loader import LoadedConfig, load_config

__all__ = ["LoadedConfig", "load_config"]
