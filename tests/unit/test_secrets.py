"""What counts as a secret, and that nothing printed or compared exposes one (issue 15, items 1-3)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from llmproxy.cli.common import ScrubbingConsole
from llmproxy.live.marker import Fingerprinter, secret_fields
from llmproxy.plan.compare import diff_fields
from llmproxy.plan.model import FieldChange
from llmproxy.redaction import REDACTED, redact_mapping, redactor, register_secrets


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    redactor.clear()
    yield
    redactor.clear()


def test_auth_cookie_and_token_headers_are_redacted_in_plan_values() -> None:
    value = {"X-Custom-Auth": "abcdef123", "Cookie": "s=1234567", "X-Api-Token": "t0123456", "X-Plain": "ok"}
    assert redact_mapping(value) == {"X-Custom-Auth": REDACTED, "Cookie": REDACTED,
                                     "X-Api-Token": REDACTED, "X-Plain": "ok"}
    change = FieldChange("litellm_params.extra_headers", before=None, after=value, absent_before=True)
    assert "abcdef123" not in change.describe() and "abcdef123" not in str(change.to_json())


def test_url_passwords_are_hidden_in_values_and_scrubbed_text() -> None:
    assert redact_mapping({"api_base": "https://bob:hunter2hunter@host/v1"}) == \
        {"api_base": f"https://bob:{REDACTED}@host/v1"}
    assert redactor.scrub("connect to http://u:pw@127.0.0.1:9 failed") == \
        f"connect to http://u:{REDACTED}@127.0.0.1:9 failed"
    assert redactor.scrub("no password in http://host:8080/x") == "no password in http://host:8080/x"


def test_literal_secrets_in_the_config_are_registered_at_any_depth() -> None:
    register_secrets({"providers": {"p": {"api_key": "sk-literal-123456",
                                          "api_base": "http://u:urlsecret99@h",
                                          "litellm_params": {"extra_headers": {"Cookie": "sess=abcdefgh"}},
                                          "rpm": 5, "model": "gpt-4o-mini-2024"}}})
    text = "echo: sk-literal-123456 urlsecret99 sess=abcdefgh gpt-4o-mini-2024"
    assert redactor.scrub(text) == f"echo: {REDACTED} {REDACTED} {REDACTED} gpt-4o-mini-2024"


def test_the_cli_consoles_cannot_print_a_registered_secret() -> None:
    redactor.add("value-from-a-variable", "MY_VAR")
    buf = io.StringIO()
    console = ScrubbingConsole(file=buf, highlight=False, soft_wrap=True)
    console.print("header X-Custom: value-from-a-variable", markup=False)
    assert "value-from-a-variable" not in buf.getvalue() and REDACTED in buf.getvalue()


def test_nested_header_secrets_are_fingerprinted_and_converge_when_masked() -> None:
    fp = Fingerprinter("admin-key")
    want = {"model": "m", "extra_headers": {"Authorization": "Bearer secret-123", "X-Plain": "1"}}
    fps = fp.all(want)
    assert set(fps) == {"extra_headers.Authorization"}
    assert secret_fields({"extra_headers": {"X-Custom-Auth": "abcdefghij"}}) == \
        {"extra_headers.X-Custom-Auth": "abcdefghij"}
    masked = {"model": "m", "extra_headers": {"Authorization": "Bear*********-123", "X-Plain": "1"}}
    assert diff_fields("litellm_params", want, masked, fingerprints=fps, stored=fps) == []
    # Without a stored fingerprint (or with another one) the secret counts as changed, shown redacted.
    changed = diff_fields("litellm_params", want, masked, fingerprints=fps, stored={})
    assert [(c.path, c.sensitive) for c in changed] == [("litellm_params.extra_headers.Authorization", True)]
    # The other headers still compare literally.
    other = {"model": "m", "extra_headers": {"Authorization": "Bear****", "X-Plain": "2"}}
    changed = diff_fields("litellm_params", want, other, fingerprints=fps, stored=fps)
    assert [c.path for c in changed] == ["litellm_params.extra_headers"]
    assert "secret-123" not in str(changed[0].to_json())
