"""``llmproxy export``: describe a live LiteLLM as config.json (+ config.local.json with ``${VAR}``
references for its secrets), in the compact provider form where it is exact, literally otherwise."""

from llmproxy.export.exporter import EnvVar, ExportResult, build_export, read_for_export, read_router_sources

__all__ = ["EnvVar", "ExportResult", "build_export", "read_for_export", "read_router_sources"]
