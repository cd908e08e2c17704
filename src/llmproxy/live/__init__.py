"""Live state: what LiteLLM holds now, read through its admin API, with ownership markers."""

from llmproxy.live.marker import MARKER_KEY, Marker
from llmproxy.live.model import LiveCredential, LiveDeployment, LiveRouter, LiveState
from llmproxy.live.reader import read_live

__all__ = ["MARKER_KEY", "LiveCredential", "LiveDeployment", "LiveRouter", "LiveState", "Marker",
           "read_live"]
