"""The repo's Swarm stack files, their .env.example files, and `docker stack config` rendering.

`docker stack config -c FILE` parses, interpolates and renders a stack file exactly as
`docker stack deploy` would, without needing a Docker engine. Like `docker stack deploy`, it
interpolates ${VAR} from the process environment only, so every render gets an explicit
environment and nothing from the developer's shell leaks in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Stack:
    name: str  # the stack name docs/deploy.md deploys it under
    file: Path
    env_example: Path


STACKS = {
    s.name: s
    for s in (
        Stack("portainer", REPO / "portainer" / "portainer.yaml", REPO / "portainer" / ".env.example"),
        Stack("llmproxy-data", REPO / "llmproxy-data.yaml", REPO / ".env.example"),
        Stack("llmproxy", REPO / "llmproxy.yaml", REPO / ".env.example"),
        Stack("monitoring", REPO / "monitoring" / "netdata.yaml", REPO / "monitoring" / ".env.example"),
    )
}

CLI_SECTION = "llmproxy CLI"
# Values a test fills in for empty (required) variables; everything else gets a unique token,
# so a test can tell exactly where each value ended up.
SPECIAL_FILLS = {
    # an `htpasswd -nbB` line: its $ signs must reach Traefik unchanged
    "NETDATA_BASIC_AUTH": "admin:$2y$05$E4WQpCZZmSwgyjtJ2IFwIuKzcaxVXTbq2G6SMBnYFGUCb0b7fGjmG",
    "LETSENCRYPT_EMAIL": "ops@example.com",
    # what Traefik's ipAllowList takes: comma-separated IPs and CIDR ranges
    "ADMIN_ALLOWLIST": "203.0.113.7/32,198.51.100.0/24",
}

_VAR = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_SECTION = re.compile(r"^# === (.+?) ===\s*$")


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str  # as written, quotes removed
    comment: str  # the comment lines right above it
    section: str  # the "# === ... ===" heading it sits under ("" before any)


def read_env_example(path: Path) -> dict[str, EnvVar]:
    """The variables of a .env.example, with their comments and sections."""
    out: dict[str, EnvVar] = {}
    section = ""
    comment: list[str] = []
    for line in path.read_text().splitlines():
        if m := _SECTION.match(line):
            section, comment = m.group(1), []
        elif line.startswith("#"):
            comment.append(line.lstrip("#").strip())
        elif m := _VAR.match(line):
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            assert m.group(1) not in out, f"{path}: {m.group(1)} is defined twice"
            out[m.group(1)] = EnvVar(m.group(1), value, " ".join(comment), section)
            comment = []
        elif not line.strip():
            comment = []
        else:
            raise AssertionError(f"{path}: cannot parse line {line!r}")
    return out


def fill_value(name: str) -> str:
    return SPECIAL_FILLS.get(name, f"test-{name.lower().replace('_', '-')}-7f3a9c")


def example_env(stack: Stack) -> dict[str, str]:
    """The stack's .env.example values, empty (required) ones filled with test values."""
    return {v.name: v.value or fill_value(v.name) for v in read_env_example(stack.env_example).values()}


def docker() -> str:
    path = shutil.which("docker")
    if path is None:
        pytest.fail("the docker CLI is not installed: these tests render stack files with "
                    "`docker stack config` and cannot run without it")
    return path


def render_proc(stack: Stack, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"), **env}
    return subprocess.run([docker(), "stack", "config", "-c", str(stack.file)], env=clean,
                          capture_output=True, text=True, timeout=60, cwd=stack.file.parent)


def render(stack: Stack, env: dict[str, str]) -> dict:
    proc = render_proc(stack, env)
    assert proc.returncode == 0, f"docker stack config -c {stack.file} failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


def variables_used(stack: Stack) -> set[str]:
    """Every ${VAR} (with or without :-default / :?message) the stack file interpolates."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", _without_comments(stack.file)))


def required_variables(stack: Stack) -> dict[str, str]:
    """${VAR:?message} in the stack file: name -> message."""
    return dict(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):\?([^}]*)\}", _without_comments(stack.file)))


def _without_comments(path: Path) -> str:
    """The stack file without its comment lines (docker stack config does not interpolate them)."""
    return "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
