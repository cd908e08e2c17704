""".env is read as `set -a; . ./.env; set +a` reads it (what docs/deploy.md runs before
`docker stack deploy`), so the CLI and the stacks see the same values from one file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from llmproxy.dotenv_file import read_dotenv
from llmproxy.litellm.connection import resolve_connection
from tests.unit.config.conftest import Workspace, provider

ENV_FILE = r"""# comment
SQ_BRACES='${HOME}/x'
DQ_BRACES="${HOME}/x"
UQ_BRACES=${HOME}/x
UQ_BARE=$HOME/y
DQ_BARE="pre-$HOME-post"
SQ_BARE='$HOME/y'
HASH='admin:$2y$05$E4WQpCZZmSwgyjtJ2IFwIu'
DQ_ESCAPED="cost \$5 for $HOME"
UQ_DEFAULT=${LLMPROXY_T_UNSET:-fallback}
DQ_DEFAULT_SET="${HOME:-unused}"
UNSET_IS_EMPTY=a${LLMPROXY_T_UNSET}b
REF_TO_LITERAL=${SQ_BRACES}
REF_EARLIER="$UQ_BARE+"
OVERRIDDEN_LATER=first
USES_OVERRIDE=${OVERRIDDEN_LATER}
OVERRIDDEN_LATER=second
export EXPORTED='x$HOME'
SQ_KEY_MASTER='sk-$ecret${TOKEN}'
"""


def shell_values(path: Path, home: str) -> dict[str, str]:
    """What `set -a; . FILE; set +a` exports, as seen by a child process."""
    script = 'set -a; . "$1"; set +a; exec python3 -c "import json, os; print(json.dumps(dict(os.environ)))"'
    proc = subprocess.run(["sh", "-c", script, "sh", str(path)], check=True, capture_output=True, text=True,
                          timeout=30, env={"PATH": "/usr/bin:/bin", "HOME": home})
    return json.loads(proc.stdout)


def test_the_cli_reads_every_value_the_shell_exports(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ENV_FILE)
    home = "/home/operator"
    ours = read_dotenv(path, environ={"HOME": home})
    shell = shell_values(path, home)
    assert set(ours) == {line.split("=", 1)[0].removeprefix("export ") for line in ENV_FILE.splitlines()
                         if "=" in line and not line.startswith("#")}
    for name, value in ours.items():
        assert value == shell[name], name
    # the cases the seed got wrong, spelled out
    assert ours["SQ_BRACES"] == "${HOME}/x"
    assert ours["UQ_BARE"] == "/home/operator/y"
    assert ours["HASH"] == "admin:$2y$05$E4WQpCZZmSwgyjtJ2IFwIu"
    assert ours["USES_OVERRIDE"] == "first" and ours["OVERRIDDEN_LATER"] == "second"


def test_a_variable_without_value_is_none(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("JUST_A_NAME\nEMPTY=\n")
    assert read_dotenv(path, environ={}) == {"JUST_A_NAME": None, "EMPTY": ""}


def test_config_references_get_the_shells_value(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/operator")
    loaded = ws.load({"providers": {"p": provider(api_key="${LLMPROXY_T_KEY}")}},
                     env="LLMPROXY_T_KEY='sk-${HOME}-literal'\n")
    assert loaded.desired.credentials[0].values["api_key"] == "sk-${HOME}-literal"


def test_the_connection_settings_get_the_shells_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LITELLM_BASE_URL", "LITELLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLMPROXY_T_HOST", "gw.internal")
    env = tmp_path / ".env"
    env.write_text("LITELLM_BASE_URL=https://$LLMPROXY_T_HOST:4000\nLITELLM_API_KEY='sk-$HOME'\n")
    settings = resolve_connection(None, None, env_file=env)
    assert (settings.base_url, settings.api_key) == ("https://gw.internal:4000", "sk-$HOME")
