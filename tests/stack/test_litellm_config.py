"""configs/litellm.yaml: LiteLLM's own settings, checked against the LiteLLM release we pin."""

from __future__ import annotations

import json
import subprocess

import yaml

from tests.stack.litellm_venv import venv_python
from tests.stack.stacks import REPO

CONFIG = REPO / "configs" / "litellm.yaml"

# Runs inside the harness venv: which of our settings does this LiteLLM not know? A general
# setting is known if ConfigGeneralSettings documents it or the proxy reads it by name
# (general_settings.get("...") / general_settings["..."]); a litellm setting is known if it is
# an attribute of the litellm module, which is what the proxy sets it on.
CHECK = r"""
import json, pathlib, re, sys, yaml, litellm
from importlib.metadata import version
from litellm.proxy._types import ConfigGeneralSettings
proxy = pathlib.Path(litellm.__file__).parent / "proxy"
read = set()
for source in proxy.rglob("*.py"):
    read |= set(re.findall(r"general_settings(?:\.get\(|\[)\s*[\"'](\w+)[\"']", source.read_text()))
config = yaml.safe_load(open(sys.argv[1]))
known = set(ConfigGeneralSettings.model_fields) | read
print(json.dumps({
    "version": version("litellm"),
    "unknown_general_settings": sorted(set(config.get("general_settings", {})) - known),
    "unknown_litellm_settings": sorted(k for k in config.get("litellm_settings", {}) if not hasattr(litellm, k)),
}))
"""


def test_every_setting_is_one_the_pinned_litellm_knows() -> None:
    proc = subprocess.run([str(venv_python()), "-c", CHECK, str(CONFIG)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["unknown_general_settings"] == [], report
    assert report["unknown_litellm_settings"] == [], report


def test_it_leaves_what_llmproxy_manages_to_llmproxy_and_secrets_to_the_environment() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    # models, credentials, aliases, fallbacks and router settings come from `llmproxy sync`
    assert set(config) == {"general_settings", "litellm_settings"}
    general = config["general_settings"]
    assert general["store_model_in_db"] is True
    assert general["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    # LiteLLM builds DATABASE_URL from DATABASE_HOST/USERNAME/PASSWORD/NAME only without this
    assert "database_url" not in general
    assert all(v.startswith("os.environ/") for v in general["coordination_redis"].values())
    # retention has one owner, the db-cleanup job
    assert "maximum_spend_logs_retention_period" not in general
