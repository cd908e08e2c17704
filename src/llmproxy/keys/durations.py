"""Duration strings as LiteLLM's duration parser accepts them, checked before any request.

LiteLLM (``litellm_core_utils/duration_parser.py``) reads ``<int><unit>`` with unit ``s`` (seconds),
``m`` (minutes), ``h`` (hours), ``d`` (days), ``w`` (weeks) or ``mo`` (months), and the words
``hourly``/``daily``/``weekly``/``monthly``. Its regex only anchors at the start, so ``30dx`` would
quietly mean ``30d`` and ``30`` or ``30D`` fail server-side with a 500: we accept exactly the
documented forms, and only positive values (a zero budget window never resets properly, a zero
expiry makes a key that is dead on arrival).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from llmproxy.errors import LLMProxyError

WORDS = {"hourly": "1h", "daily": "24h", "weekly": "7d", "monthly": "30d"}
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 31 * 86400}
#: The one grammar (the config schema uses it too): a positive number and a unit, or a word.
DURATION_PATTERN = r"^(0*[1-9]\d*(s|m|h|d|w|mo)|hourly|daily|weekly|monthly)$"
_PATTERN = re.compile(r"(\d+)(mo|[smhdw])")
# Far enough for anything sensible, near enough that date arithmetic never overflows.
MAX_SECONDS = 100 * 366 * 86400
FORMS = "a number and a unit: 30s, 15m, 1h, 7d, 2w, 1mo (or hourly, daily, weekly, monthly)"


def parse_duration(value: str, what: str = "duration") -> str:
    """The canonical duration string for ``value``, or a clear ``LLMProxyError``."""
    text = str(value).strip()
    word = WORDS.get(text.lower())
    if word is not None:
        return text.lower()
    match = _PATTERN.fullmatch(text)
    if not match:
        raise LLMProxyError(f"invalid {what} {value!r}: expected {FORMS}")
    if int(match.group(1)) <= 0:
        raise LLMProxyError(f"invalid {what} {value!r}: must be greater than zero")
    if seconds(text) > MAX_SECONDS:
        raise LLMProxyError(f"invalid {what} {value!r}: longer than 100 years")
    return text


def seconds(duration: str) -> int:
    """Approximate length of a valid duration (a month counts as 31 days)."""
    text = WORDS.get(duration.strip().lower(), duration.strip())
    match = _PATTERN.fullmatch(text)
    if not match:
        raise ValueError(f"not a duration: {duration!r}")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def remaining(expires: datetime, now: datetime | None = None) -> str | None:
    """The duration from ``now`` until ``expires`` in whole seconds, or None if already past."""
    now = now or datetime.now(UTC)
    left = int((expires - now) / timedelta(seconds=1))
    return f"{left}s" if left > 0 else None


def parse_timestamp(value: object) -> datetime | None:
    """LiteLLM's timestamps (``...Z`` or ``+00:00``, with or without fractions) as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
