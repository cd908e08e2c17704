"""No secret leaves llmproxy (issue 15, items 1-4): every command's stdout, stderr and written files
are scanned for secrets placed via ${VAR} (api_key, extra_headers, an api_base password) and written
literally in config.local.json; masked headers converge against the real LiteLLM."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.harness import Harness

SECRETS = {
    "E2E_KEY": "sk-var-api-key-LEAK-0a1b2c3d",
    "E2E_AUTH": "Bearer LEAK-header-auth-9f8e7d6c",
    "E2E_CUSTOM": "LEAK-custom-auth-55aa66bb",
    "E2E_COOKIE": "session=LEAK-cookie-77cc88dd",
    "E2E_PW": "LEAK-url-password-1234",
}
LITERAL = "sk-literal-LEAK-in-local-file-4242"
ALL = [*SECRETS.values(), LITERAL, "LEAK-header-auth-9f8e7d6c", "session=LEAK-cookie"]


def _config() -> tuple[dict[str, Any], dict[str, Any]]:
    config = {
        "providers": {
            "up": {
                "api_base": "http://user:${E2E_PW}@127.0.0.1:9",
                "api_key": "${E2E_KEY}",
                "interfaces": {"openai": {}},
                "models": {
                    "gpt-h": {"litellm_params": {
                        "mock_response": "hi",
                        "extra_headers": {"Authorization": "${E2E_AUTH}", "X-Custom-Auth": "${E2E_CUSTOM}",
                                          "Cookie": "${E2E_COOKIE}", "X-Plain": "visible"}}},
                },
            },
            "lit": {
                "api_base": "http://127.0.0.1:9",
                "interfaces": {"openai": {}},
                "models": {"gpt-l": {"litellm_params": {"mock_response": "hi"}}},
            },
        },
    }
    local = {"providers": {"lit": {"api_key": LITERAL}}}
    return config, local


def _leaks(text: str) -> list[str]:
    return [s for s in ALL if s in text]


def _run(h: Harness, args: list[str], cwd: Path, seen: dict[str, str]) -> int:
    proc = llmproxy(h, args, cwd=cwd, env=SECRETS)
    seen[" ".join(args)] = proc.stdout + proc.stderr
    return proc.returncode


def test_no_secret_in_any_output_and_masked_headers_converge(litellm: Harness, tmp_path: Path) -> None:
    config, local = _config()
    write_config(tmp_path, config, local)
    seen: dict[str, str] = {}
    assert _run(litellm, ["validate"], tmp_path, seen) == 0, seen.popitem()
    assert _run(litellm, ["render"], tmp_path, seen) == 0, seen.popitem()
    assert _run(litellm, ["render", "--format", "litellm-config"], tmp_path, seen) == 0, seen.popitem()
    for fmt in ("text", "json", "markdown"):
        assert _run(litellm, ["plan", "-o", fmt], tmp_path, seen) == 0, seen.popitem()
    assert _run(litellm, ["sync", "--yes"], tmp_path, seen) == 0, seen.popitem()
    # Masked headers (extra_headers.Authorization, X-Custom-Auth, Cookie) compare by fingerprint.
    assert _run(litellm, ["plan", "--detailed-exitcode"], tmp_path, seen) == 0, seen.popitem()
    assert _run(litellm, ["sync", "--yes", "-o", "json"], tmp_path, seen) == 0, seen.popitem()
    assert "no write requests" in seen["sync --yes -o json"]
    # Fingerprints do not depend on the admin key: another admin key (as after a master-key
    # rotation) sees the same converged plan.
    with litellm.client() as c:
        other = c.post("/user/new", json={"user_role": "proxy_admin", "auto_create_key": True}).raise_for_status()
    other_key = other.json()["key"]
    proc = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path,
                    env={**SECRETS, "LITELLM_API_KEY": other_key})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _run(litellm, ["status"], tmp_path, seen) == 0, seen.popitem()
    assert _run(litellm, ["status", "-o", "json"], tmp_path, seen) == 0, seen.popitem()
    out = tmp_path / "exported"
    assert _run(litellm, ["export", "-o", str(out)], tmp_path, seen) == 0, seen.popitem()
    leaks = {cmd: _leaks(text) for cmd, text in seen.items() if _leaks(text)}
    assert not leaks, leaks
    files = {p: p.read_text() for p in out.rglob("*") if p.is_file()}
    assert files
    assert not {str(p): _leaks(t) for p, t in files.items() if _leaks(t)}
    assert "****" not in "".join(files.values())  # no LiteLLM mask written as a value
    # Round trip: with each ${VAR} of the export set to the value it stands for, the exported
    # config plans clean against the same gateway.
    names = set(re.findall(r"\$\{(\w+)\}", "".join(files.values())))
    assert names, files
    env = {name: _value_for(name) for name in names}
    # (credentials and models: the router settings this config never managed are exported too,
    # and a first sync of the export adopts them)
    proc = llmproxy(litellm, ["plan", "--only", "credentials,models", "--detailed-exitcode"], cwd=out, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _value_for(var: str) -> str:
    """The secret an exported ${VAR} stands for, by the name export gave it."""
    for part, value in (("AUTHORIZATION", SECRETS["E2E_AUTH"]), ("CUSTOM_AUTH", SECRETS["E2E_CUSTOM"]),
                        ("COOKIE", SECRETS["E2E_COOKIE"]), ("PASSWORD", SECRETS["E2E_PW"]),
                        ("LIT", LITERAL), ("UP", SECRETS["E2E_KEY"])):
        if part in var:
            return value
    raise AssertionError(f"export wrote an unexpected variable {var}")
