"""``resolve_connection``: flags > process environment > ``.env``, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmproxy.errors import LLMProxyError
from llmproxy.litellm.connection import ConnectionSettings, resolve_connection
from llmproxy.redaction import redactor

FILE_URL, FILE_KEY = "http://from-file:4000", "sk-from-file-123"
ENV_URL, ENV_KEY = "http://from-env:4000", "sk-from-env-123"
FLAG_URL, FLAG_KEY = "http://from-flag:4000", "sk-from-flag-123"


@pytest.fixture()
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``.env`` in the working directory, where it is read by default."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / ".env"
    path.write_text(f"LITELLM_BASE_URL={FILE_URL}\nLITELLM_API_KEY='{FILE_KEY}'\n")
    return path


def test_flags_win_over_env_and_file(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", ENV_URL)
    monkeypatch.setenv("LITELLM_API_KEY", ENV_KEY)
    assert resolve_connection(FLAG_URL, FLAG_KEY) == ConnectionSettings(FLAG_URL, FLAG_KEY)


def test_process_env_wins_over_the_file(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", ENV_URL)
    monkeypatch.setenv("LITELLM_API_KEY", ENV_KEY)
    assert resolve_connection(None, None) == ConnectionSettings(ENV_URL, ENV_KEY)


def test_the_file_is_the_last_resort(env_file: Path) -> None:
    assert resolve_connection(None, None) == ConnectionSettings(FILE_URL, FILE_KEY)


def test_each_setting_is_resolved_on_its_own(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", ENV_KEY)
    assert resolve_connection(None, None) == ConnectionSettings(FILE_URL, ENV_KEY)
    assert resolve_connection(FLAG_URL, None) == ConnectionSettings(FLAG_URL, ENV_KEY)


def test_blank_values_fall_through_to_the_next_level(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", "")
    monkeypatch.setenv("LITELLM_API_KEY", "   ")
    assert resolve_connection("", None) == ConnectionSettings(FILE_URL, FILE_KEY)


def test_an_explicit_env_file_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LITELLM_BASE_URL=http://ignored:1\n")
    other = tmp_path / "other.env"
    other.write_text(f"LITELLM_BASE_URL={FILE_URL}/\nLITELLM_API_KEY={FILE_KEY}\n")
    assert resolve_connection(None, None, env_file=other) == ConnectionSettings(FILE_URL, FILE_KEY)


def test_surrounding_whitespace_and_trailing_slash_are_dropped(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITELLM_API_KEY", f"  {ENV_KEY}\n")
    assert resolve_connection(" http://h:4000/ ", None) == ConnectionSettings("http://h:4000", ENV_KEY)


def test_the_key_is_registered_for_redaction_and_never_shown(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = resolve_connection(FLAG_URL, FLAG_KEY)
    assert FLAG_KEY not in repr(settings) and FLAG_KEY not in str(settings)
    assert redactor.scrub(f"echo {FLAG_KEY}") == "echo (sensitive)"


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, key, missing, flag, var", [
    (None, FLAG_KEY, "no LiteLLM URL", "--base-url", "LITELLM_BASE_URL"),
    (FLAG_URL, None, "no LiteLLM admin key", "--api-key", "LITELLM_API_KEY"),
])
def test_a_missing_setting_says_how_to_give_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              url: str | None, key: str | None, missing: str, flag: str,
                                              var: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LLMProxyError) as err:
        resolve_connection(url, key)
    assert missing in str(err.value)
    assert flag in (err.value.hint or "") and var in (err.value.hint or "")


@pytest.mark.parametrize("url", ["localhost:4000", "ftp://h", "http://", "http://h:notaport", "http://[::1"])
def test_a_bad_url_names_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITELLM_BASE_URL", url)
    with pytest.raises(LLMProxyError) as err:
        resolve_connection(None, FLAG_KEY)
    assert str(err.value).startswith("LITELLM_BASE_URL: the LiteLLM URL must look like http://host:port")


def test_a_bad_url_hides_embedded_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LLMProxyError) as err:
        resolve_connection("ftp://admin:hunter2secret@h", FLAG_KEY)
    assert "hunter2secret" not in str(err.value) and str(err.value).startswith("--base-url:")


def test_a_key_with_inner_whitespace_is_refused_without_showing_it(env_file: Path) -> None:
    env_file.write_text(f"LITELLM_BASE_URL={FILE_URL}\nLITELLM_API_KEY='sk-abc def-secret'\n")
    with pytest.raises(LLMProxyError) as err:
        resolve_connection(None, None)
    assert "LITELLM_API_KEY in .env" in str(err.value) and "sk-abc" not in str(err.value)


def test_a_missing_explicit_env_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LLMProxyError, match="env file not found"):
        resolve_connection(FLAG_URL, FLAG_KEY, env_file=tmp_path / "nope.env")


def test_no_default_env_file_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_connection(FLAG_URL, FLAG_KEY) == ConnectionSettings(FLAG_URL, FLAG_KEY)


def test_an_unreadable_env_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.env"
    path.write_bytes(b"LITELLM_API_KEY=\xff\xfe\n")
    with pytest.raises(LLMProxyError, match="cannot read env file"):
        resolve_connection(FLAG_URL, FLAG_KEY, env_file=path)
