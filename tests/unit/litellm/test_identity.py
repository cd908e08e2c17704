"""Fingerprints survive a master-key rotation; llmproxy's variables come from .env too; the
marker's applied_by names no host; the admin key can come from a file or stdin (issue 15, 5-6)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmproxy.litellm import connection
from llmproxy.litellm.client import open_client
from llmproxy.live import marker


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LITELLM_BASE_URL", "LITELLM_API_KEY", "LITELLM_API_KEY_FILE", "LLMPROXY_FINGERPRINT_KEY",
                 "LLMPROXY_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    marker.configured_actor.clear()
    connection.key_file_option.clear()
    yield
    marker.configured_actor.clear()
    connection.key_file_option.clear()


def _fp(api_key: str, env_file: Path | None = None) -> str:
    client, fp = open_client("http://127.0.0.1:9", api_key, env_file)
    client.close()
    return fp.of("api_key", "sk-provider-secret")


def test_a_master_key_rotation_changes_no_fingerprint() -> None:
    assert _fp("sk-old-master-key-1234") == _fp("sk-new-master-key-5678")


def test_the_fingerprint_key_is_read_from_dotenv_like_every_llmproxy_variable(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("LLMPROXY_FINGERPRINT_KEY=team-secret-fp-key\nLLMPROXY_ACTOR='ci job 42'\n")
    assert _fp("sk-master-key-1234", env) != _fp("sk-master-key-1234")
    assert _fp("sk-master-key-1234", env) == _fp("sk-other-admin-key-99", env)
    assert marker.actor() == "ci job 42"


def test_applied_by_never_names_the_host() -> None:
    assert socket.gethostname() not in marker.actor()
    assert marker.actor().startswith("llmproxy:")


def test_the_admin_key_can_come_from_a_file_or_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "key").write_text("sk-key-from-a-file-0001\n")
    connection.key_file_option.append(tmp_path / "key")
    assert connection.resolve_connection("http://h:1", None).api_key == "sk-key-from-a-file-0001"
    connection.key_file_option[:] = [Path("-")]
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-key-from-stdin-0002\n"))
    assert connection.resolve_connection("http://h:1", None).api_key == "sk-key-from-stdin-0002"
    connection.key_file_option.clear()
    monkeypatch.setenv("LITELLM_API_KEY_FILE", str(tmp_path / "key"))
    assert connection.resolve_connection("http://h:1", None).api_key == "sk-key-from-a-file-0001"
