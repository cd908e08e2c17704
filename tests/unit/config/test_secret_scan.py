"""The "Done when" scan of issue 15: stdout, stderr and every written file of every command, on
success and on failing paths against a server that echoes each request (URL, headers, body) back
in its errors — zero hits for secrets placed via ${VAR} (api_key, extra_headers, an api_base
password), written literally in config.local.json, and the admin key."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from llmproxy.redaction import redactor
from tests.unit.config.conftest import CliResult, Workspace

ADMIN = "sk-admin-LEAK-scan-5150aa"
VARS = {"SCAN_KEY": "sk-var-LEAK-key-31337a", "SCAN_AUTH": "Bearer LEAK-auth-hdr-8080b",
        "SCAN_CUSTOM": "LEAK-custom-hdr-4040c", "SCAN_PW": "LEAK-url-pw-2020d"}
LITERAL = "sk-literal-LEAK-local-7070e"
NEEDLES = [*VARS.values(), "LEAK-auth-hdr-8080b", LITERAL, ADMIN]

EMPTY = {
    "/health/readiness": {"status": "healthy", "db": "connected"},
    "/health/readiness/details": {"litellm_version": "1.106.2"},
    "/v2/model/info": {"data": [], "total_count": 0, "current_page": 1, "total_pages": 0, "size": 2000},
    "/credentials": {"credentials": []},
    "/router/settings": {"current_values": {}, "source": {}},
    "/v2/guardrails/list": {"guardrails": []},
    "/public/model_hub": [],
    "/v2/team/list": {"teams": [], "total": 0, "page": 1, "page_size": 100, "total_pages": 0},
    "/user/list": {"users": [], "total": 0, "page": 1, "page_size": 100, "total_pages": 0},
    "/key/list": {"keys": [], "total_count": 0},
}


class _Echo(BaseHTTPRequestHandler):
    reads_fail = False

    def log_message(self, *_a: Any) -> None:
        pass

    def _echo(self, status: int) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        text = json.dumps({"error": {"message": f"echo {self.command} {self.path} headers={dict(self.headers)} "
                                                f"body={body}"}})
        self._send(status, text)

    def _send(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in EMPTY and not (self.reads_fail and path not in ("/health/readiness",)):
            self._send(200, json.dumps(EMPTY[path]))
        else:
            self._echo(500)

    def do_POST(self) -> None:
        self._echo(400)

    do_PATCH = do_PUT = do_DELETE = do_POST


@pytest.fixture
def echo_server() -> Iterator[tuple[str, type[_Echo]]]:
    handler = type("Handler", (_Echo,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _config() -> tuple[dict[str, Any], dict[str, Any]]:
    config = {"providers": {
        "up": {"api_base": "http://user:${SCAN_PW}@127.0.0.1:9", "api_key": "${SCAN_KEY}",
               "interfaces": {"openai": {}},
               "models": {"m": {"litellm_params": {"extra_headers": {
                   "Authorization": "${SCAN_AUTH}", "X-Custom-Auth": "${SCAN_CUSTOM}", "X-Plain": "ok"}}}}},
        "lit": {"api_base": "http://127.0.0.1:9", "interfaces": {"anthropic": {}}, "models": {"c": None}}}}
    return config, {"providers": {"lit": {"api_key": LITERAL}}}


def test_no_command_prints_or_writes_a_secret(ws: Workspace, cli: Callable[..., CliResult],
                                              echo_server: tuple[str, type[_Echo]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler = echo_server
    for k, v in VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("LITELLM_BASE_URL", url)
    monkeypatch.setenv("LITELLM_API_KEY", ADMIN)
    monkeypatch.setenv("CI", "true")
    config, local = _config()
    ws.write(config, local)
    out_dir = ws.root / "exported"
    runs: dict[str, CliResult] = {}

    def run(*args: str) -> CliResult:
        redactor.clear()  # each command is its own process in real use
        result = runs[" ".join(args)] = cli(*args)
        assert "Traceback" not in result.err, result.err
        return result

    assert run("validate").code == 0
    assert run("render").code == 0
    assert run("render", "--format", "litellm-config").code == 0
    for fmt in ("text", "json", "markdown"):
        assert run("plan", "-o", fmt).code == 0
    for fmt in ("text", "json"):  # every write is answered with an echo of the request
        assert run("sync", "--yes", "-o", fmt).code == 1
    assert run("status").code != 0
    assert run("export", "-o", str(out_dir)).code == 0
    assert run("keys", "list").code == 0  # the empty key list that export reads too
    assert run("keys", "info", "some-alias").code == 1
    assert run("keys", "create", "ada@example.com").code == 1
    handler.reads_fail = True  # now every read is answered with an echo too
    for args in (("plan", "-o", "json"), ("sync", "--yes"), ("status", "-o", "json"), ("export",)):
        assert run(*args).code != 0
    echoed = runs["sync --yes -o text"].out + runs["sync --yes -o text"].err
    assert "echo POST" in echoed  # the server did echo the requests back
    leaks = {cmd: [n for n in NEEDLES if n in r.out + r.err] for cmd, r in runs.items()}
    assert not {cmd: hits for cmd, hits in leaks.items() if hits}
    written = {p: p.read_text() for p in out_dir.rglob("*") if p.is_file()}
    assert written and not {str(p): [n for n in NEEDLES if n in t] for p, t in written.items()
                            if any(n in t for n in NEEDLES)}
