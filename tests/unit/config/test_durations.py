"""One duration grammar: what the config's "keys" defaults accept is what `keys` flags accept."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from llmproxy.config.access_keys import KeyDefaults
from llmproxy.errors import LLMProxyError
from llmproxy.keys.durations import parse_duration


@pytest.mark.parametrize("value", ["30s", "15m", "1h", "7d", "2w", "1mo", "daily", "007d"])
def test_both_accept(value: str) -> None:
    assert KeyDefaults.model_validate({"duration": value}).duration == value
    assert parse_duration(value)


@pytest.mark.parametrize("value", ["0d", "0", "30", "30D", "30dx", "-1d", "", "99999999d", "5300w"])
def test_both_refuse(value: str) -> None:
    with pytest.raises(ValidationError):
        KeyDefaults.model_validate({"duration": value})
    with pytest.raises(LLMProxyError):
        parse_duration(value)
