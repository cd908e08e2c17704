"""What the stand-in answers: deterministic text and token counts, so that tests (and LiteLLM's
cost calculation) see the same numbers every time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def words(text: str) -> int:
    return len(text.split())


def text_of(content: Any) -> str:
    """The text of an OpenAI/Anthropic message content (string or list of parts) or Gemini parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(text_of(p.get("text", p.get("content", ""))) if isinstance(p, dict) else text_of(p)
                        for p in content)
    return ""


def prompt_tokens(texts: Iterable[str]) -> int:
    """One token per word of the prompt, at least one."""
    return max(1, sum(words(t) for t in texts))


def reply_words(model: str, max_tokens: Any) -> list[str]:
    """``hello from <model> via the stand-in upstream``, cut to ``max_tokens`` words (one token each)."""
    out = ["hello", "from", model, "via", "the", "stand-in", "upstream"]
    if isinstance(max_tokens, int) and max_tokens > 0:
        out = out[:max_tokens]
    return out


def chunks(reply: list[str]) -> list[str]:
    """The reply split into stream pieces (one word each, spaces kept), joining back to the text."""
    return [w if i == 0 else f" {w}" for i, w in enumerate(reply)]
