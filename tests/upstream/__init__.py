"""A stand-in upstream for data-plane tests: OpenAI, Anthropic and Gemini compatible, on loopback.

``Upstream`` answers chat completions, messages and generateContent (plain and streamed, with
token usage), lists models in each API's own form, checks the key the test configured, records
every call, and fails on purpose by model id. See ``server.py``.
"""

from tests.upstream.server import Call, Fault, Upstream

__all__ = ["Call", "Fault", "Upstream"]
