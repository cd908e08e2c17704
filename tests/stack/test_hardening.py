"""The stacks, locked down (issue 15, items 15-18), checked on what `docker stack config` renders:

- no secret in a service definition: every secret is a Docker secret, read through *_FILE;
- admin surfaces only from ADMIN_ALLOWLIST, LiteLLM's client API public;
- the Docker socket behind socket proxies, except for the Portainer agent;
- the database on internal, non-attachable networks only, shared with Netdata on one of its own.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.stack.litellm_venv import venv_python
from tests.stack.stacks import REPO, STACKS, example_env, read_env_example, render

# Secret-bearing names the seed stacks took from the environment, and the variables of the images
# themselves. A test sets each to a unique value: none may come out anywhere in a rendered stack.
LEGACY_SECRET_VARIABLES = ("DB_PASSWORD", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "ANTIGRAVITY_MANAGER_API_KEY",
                           "ANTIGRAVITY_MANAGER_WEB_PASSWORD", "REDIS_PASSWORD", "PGPASSWORD", "POSTGRES_PASSWORD",
                           "DATABASE_URL", "LITELLM_API_KEY", "API_KEY", "WEB_PASSWORD")
SECRETISH_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN|DSN|DATABASE_URL|AUTH", re.IGNORECASE)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]+:[^@\s]+@", re.IGNORECASE)
WRAPPER_TARGET = "/usr/local/bin/secret-env.sh"
# Variables the images read from a file themselves (no wrapper needed).
NATIVE_FILE_VARIABLES = {"POSTGRES_PASSWORD_FILE"}
SOCKET = "/var/run/docker.sock"
ALLOWLIST = "203.0.113.7/32,198.51.100.0/24"


def sentinel(name: str) -> str:
    return f"leak-{name.lower().replace('_', '-')}-91c3"


def full_env(stack: str) -> dict[str, str]:
    """The example env, as exported from .env with `set -a`, plus every legacy secret name set."""
    env = {**example_env(STACKS["llmproxy"]), **example_env(STACKS[stack])}
    env.update({name: sentinel(name) for name in LEGACY_SECRET_VARIABLES})
    env["ADMIN_ALLOWLIST"] = ALLOWLIST
    return env


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict]:
    return {name: render(stack, full_env(name)) for name, stack in STACKS.items()}


def all_services(rendered: dict[str, dict]) -> dict[str, dict]:
    return {f"{stack}_{name}": svc for stack, doc in rendered.items() for name, svc in doc["services"].items()}


def labels(svc: dict) -> dict[str, str]:
    return {**svc.get("labels", {}), **svc.get("deploy", {}).get("labels", {})}


# ---- item 15: secrets ------------------------------------------------------------------------


def test_no_secret_value_anywhere_in_a_rendered_stack(rendered: dict[str, dict]) -> None:
    for name, doc in rendered.items():
        text = yaml.safe_dump(doc)
        for var in LEGACY_SECRET_VARIABLES:
            assert sentinel(var) not in text, f"stack {name} renders ${{{var}}}"
        for value in (example_env(STACKS["llmproxy"])[v] for v in ("LITELLM_API_KEY", "ANTIGRAVITY_MANAGER_API_KEY")):
            assert value not in text, f"stack {name} renders a CLI secret"


def test_every_secret_looking_variable_is_a_file_under_run_secrets(rendered: dict[str, dict]) -> None:
    checked = 0
    for name, svc in all_services(rendered).items():
        for key, value in (svc.get("environment") or {}).items():
            value = str(value)
            assert not URL_WITH_PASSWORD.search(value), f"{name}: {key} holds a URL with a password"
            if SECRETISH_NAME.search(key) and key != "DOCKER_HOST":
                assert key.endswith("_FILE") and value.startswith("/run/secrets/"), \
                    f"{name}: {key} looks like a secret in plain sight"
                checked += 1
    assert checked >= 10


def test_each_secret_file_is_a_mounted_docker_secret_read_by_the_image_or_the_wrapper(
        rendered: dict[str, dict]) -> None:
    for stack, doc in rendered.items():
        for name, svc in doc["services"].items():
            files = {k: str(v) for k, v in (svc.get("environment") or {}).items() if str(v).startswith("/run/secrets/")}
            mounted = {s["target"]: s["source"] for s in svc.get("secrets", [])}
            for key, path in files.items():
                target = path.removeprefix("/run/secrets/")
                assert target in mounted, f"{stack}_{name}: {key} names {path}, which is not mounted"
                assert doc["secrets"][mounted[target]]["external"] is True
                if key not in NATIVE_FILE_VARIABLES:
                    # the image reads variables only: secret-env.sh must run first
                    assert svc["entrypoint"][:2] == ["/bin/sh", WRAPPER_TARGET], f"{stack}_{name}"
                    config = next(c for c in svc["configs"] if c["target"] == WRAPPER_TARGET)
                    assert doc["configs"][config["source"]]["external"] is True
                    assert config["mode"] == 0o555


def test_the_services_read_their_secrets_from_files(rendered: dict[str, dict]) -> None:
    svc = all_services(rendered)
    expected = {
        "llmproxy-data_db": {"POSTGRES_PASSWORD_FILE"},
        "llmproxy_litellm": {"DATABASE_PASSWORD_FILE", "LITELLM_MASTER_KEY_FILE", "LITELLM_SALT_KEY_FILE",
                             "ANTIGRAVITY_MANAGER_API_KEY_FILE", "REDIS_PASSWORD_FILE"},
        "llmproxy_antigravity-manager": {"API_KEY_FILE", "WEB_PASSWORD_FILE"},
        "llmproxy_db-cleanup": {"PGPASSWORD_FILE"},
        "llmproxy_redis": {"REDIS_PASSWORD_FILE"},
    }
    for name, variables in expected.items():
        assert {k for k in svc[name]["environment"] if k.endswith("_FILE")} == variables, name
    assert "/run/secrets/portainer-admin-password" in svc["portainer_portainer"]["command"]
    assert {s["target"] for s in svc["monitoring_netdata"]["secrets"]} == {"llmproxy_netdata-postgres-dsn"}


def test_deploy_docs_create_every_secret_and_no_longer_ask_for_secret_variables(rendered: dict[str, dict]) -> None:
    docs = (REPO / "docs" / "deploy.md").read_text()
    names = {s["name"] for doc in rendered.values() for s in doc.get("secrets", {}).values()}
    assert len(names) == 8
    for secret in names:
        assert re.search(rf"docker secret create {re.escape(secret)}\b", docs), f"docs/deploy.md never creates {secret}"
    # (only the upgrade notes, which move them into secrets, still name them)
    upgrade = re.compile(r"\*\*Upgrading a gateway that took its secrets from `\.env`\*\*.*?\nSecrets are immutable\.",
                         re.DOTALL)
    assert upgrade.search(docs)
    for doc_path in (REPO / "docs" / "deploy.md", REPO / "README.md"):
        text = upgrade.sub("", doc_path.read_text())
        # variables the stacks used to read (LITELLM_SALT_KEY etc. still exist inside the container)
        for var in ("DB_PASSWORD", "ANTIGRAVITY_MANAGER_WEB_PASSWORD", "MONITORING_NETWORK"):
            assert not re.search(rf"(?<![A-Z_]){var}(?![A-Z_])", text), f"{doc_path.name} still mentions ${var}"


# ---- secret-env.sh ---------------------------------------------------------------------------

WRAPPER = REPO / "configs" / "secret-env.sh"


def run_wrapper(tmp_path: Path, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(WRAPPER), *command], check=False, capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "SECRETS_DIR": str(tmp_path), **env})


def test_wrapper_exports_secret_files_and_runs_the_command(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("sk-secret value with spaces\n\n")
    (tmp_path / "pw").write_text("p@ss:w/rd$HOME'\"")
    proc = run_wrapper(tmp_path, {"MASTER_KEY_FILE": str(tmp_path / "key"), "DB_PASSWORD_FILE": str(tmp_path / "pw"),
                                  "AZURE_TOKEN_FILE": "/var/run/elsewhere/token", "PLAIN": "1"},
                       "python3", "-c", "import json, os, sys; print(json.dumps([dict(os.environ), sys.argv[1:]]))",
                       "arg one", "two")
    assert proc.returncode == 0, proc.stderr
    env, argv = json.loads(proc.stdout)
    assert env["MASTER_KEY"] == "sk-secret value with spaces"  # trailing newlines dropped, nothing else
    assert env["DB_PASSWORD"] == "p@ss:w/rd$HOME'\""  # no expansion of any kind
    assert "MASTER_KEY_FILE" not in env and "DB_PASSWORD_FILE" not in env
    assert env["AZURE_TOKEN_FILE"] == "/var/run/elsewhere/token" and "AZURE_TOKEN" not in env
    assert env["PLAIN"] == "1"
    assert argv == ["arg one", "two"]


@pytest.mark.parametrize("case", ["missing", "empty", "both"])
def test_wrapper_refuses_a_broken_secret_without_showing_it(tmp_path: Path, case: str) -> None:
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "key").write_text("sk-do-not-print-me")
    env = {"missing": {"MASTER_KEY_FILE": str(tmp_path / "absent")},
           "empty": {"MASTER_KEY_FILE": str(tmp_path / "empty")},
           "both": {"MASTER_KEY_FILE": str(tmp_path / "key"), "MASTER_KEY": "sk-also-secret"}}[case]
    proc = run_wrapper(tmp_path, env, "echo", "started")
    assert proc.returncode == 1 and "started" not in proc.stdout
    assert proc.stderr.startswith("secret-env: ") and "MASTER_KEY" in proc.stderr
    assert "sk-do-not-print-me" not in proc.stderr and "sk-also-secret" not in proc.stderr


def test_wrapper_is_posix_sh_and_shellcheck_clean() -> None:
    import shutil

    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed (./test installs it as root)")
    proc = subprocess.run([shellcheck, "-s", "sh", str(WRAPPER)], check=False, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout


# ---- item 16: admin surfaces behind an IP allowlist -------------------------------------------


_TOKEN = re.compile(r"(Host|PathPrefix|PathRegexp|Path)\(`([^`]*)`\)|&&|\|\||!|\(|\)|\s+")


def rule_matches(rule: str, host: str, path: str) -> bool:
    """Traefik v3 rule subset (Host, Path, PathPrefix, PathRegexp, !, &&, ||, parentheses)."""
    out, pos = [], 0
    while pos < len(rule):
        m = _TOKEN.match(rule, pos)
        assert m, f"cannot parse rule at {rule[pos:]!r}"
        pos = m.end()
        tok = m.group(0)
        if m.group(1):
            fn, arg = m.group(1), m.group(2)
            value = {"Host": host == arg, "Path": path == arg, "PathPrefix": path.startswith(arg),
                     "PathRegexp": re.search(arg, path) is not None}[fn]
            out.append(str(value))
        elif tok == "&&":
            out.append(" and ")
        elif tok == "||":
            out.append(" or ")
        elif tok == "!":
            out.append(" not ")
        elif tok.strip():
            out.append(tok)
    return bool(eval("".join(out), {"__builtins__": {}}))  # only True/False/and/or/not/()


def routers(svc: dict) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, value in labels(svc).items():
        if m := re.match(r"traefik\.http\.routers\.([^.]+)\.(.+)$", key):
            out.setdefault(m.group(1), {})[m.group(2)] = value
    return out


def allowlists(svc: dict) -> dict[str, str]:
    return {m.group(1): v for k, v in labels(svc).items()
            if (m := re.match(r"traefik\.http\.middlewares\.([^.]+)\.ipallowlist\.sourcerange$", k))}


def test_every_router_but_the_litellm_client_api_is_allowlisted(rendered: dict[str, dict]) -> None:
    seen = set()
    for name, svc in all_services(rendered).items():
        lists = allowlists(svc)
        for router, conf in routers(svc).items():
            seen.add(router)
            if router == "litellm":
                assert "middlewares" not in conf
                continue
            middlewares = conf.get("middlewares", "").split(",")
            assert middlewares[0] in lists, f"{name}: router {router} has no IP allowlist first"
            assert lists[middlewares[0]] == ALLOWLIST
    assert seen == {"litellm", "litellm-admin", "antigravity-manager", "portainer", "netdata"}


@cache
def litellm_routes() -> dict[str, list[str]]:
    """LiteLLM's own lists: client API routes, and routes that manage the proxy."""
    script = r"""
import json
from litellm.proxy._types import LiteLLMRoutes as R
client = set(R.openai_routes.value) | set(R.anthropic_routes.value) | set(R.google_routes.value)
manage = set()
for n in ("management_routes", "key_management_routes", "master_key_only_routes", "spend_tracking_routes",
          "global_spend_tracking_routes", "mcp_management_routes", "agent_management_routes", "model_info_routes",
          "org_admin_only_routes", "admin_viewer_routes", "self_managed_routes"):
    manage |= set(R[n].value)
print(json.dumps({"client": sorted(client), "manage": sorted(manage - client)}))
"""
    proc = subprocess.run([str(venv_python()), "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def concrete(route: str) -> str:
    return re.sub(r"\{[^}]*\}", "x1", route.split("?")[0])


# Client routes of LiteLLM that stay admin-only (docs/deploy.md, "Admin access"): LiteLLM-specific
# extras, and Google's Interactions/Agents APIs.
ADMIN_ONLY_CLIENT_ROUTES = re.compile(
    r"^/(claude-code|claude_code_gateway|decisions|systemone|vector_store|interactions|v1beta/(agents|interactions))(/|$)")


def test_the_public_router_serves_the_client_api_and_no_management_route(rendered: dict[str, dict]) -> None:
    host = full_env("llmproxy")["LITELLM_HOST"]
    conf = routers(rendered["llmproxy"]["services"]["litellm"])
    public, admin = conf["litellm"]["rule"], conf["litellm-admin"]["rule"]
    assert int(conf["litellm"]["priority"]) > int(conf["litellm-admin"]["priority"])
    routes = litellm_routes()
    assert len(routes["client"]) > 50 and len(routes["manage"]) > 100
    for route in routes["client"]:
        if not ADMIN_ONLY_CLIENT_ROUTES.match(route):
            assert rule_matches(public, host, concrete(route)), f"client route {route} is not public"
    for route in routes["manage"]:
        assert not rule_matches(public, host, concrete(route)), f"management route {route} is public"
    # the SDKs' paths, the brief's list, and what must stay behind the allowlist
    for path in ("/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/v1/embeddings",
                 "/chat/completions", "/messages", "/models", "/embeddings", "/health/liveliness",
                 "/v1beta/models/gemini-3-pro-preview:streamGenerateContent"):
        assert rule_matches(public, host, path), path
    for path in ("/", "/ui", "/ui/", "/key/generate", "/model/new", "/v1/model/info", "/credentials",
                 "/router/settings", "/health", "/health/readiness", "/sso/key/generate", "/metrics",
                 "/mcp", "/a2a/agent-1", "/anthropic/v1/messages", "/gemini/v1beta/models/x:generateContent"):
        assert not rule_matches(public, host, path), path
        assert rule_matches(admin, host, path), path
    assert not rule_matches(public, "other.example.com", "/v1/chat/completions")


# ---- item 17: the Docker socket -----------------------------------------------------------------

PROXIES = {  # proxy service -> (its one client, what it may do)
    "portainer_traefik-socket-proxy": ("portainer_traefik", {"SERVICES", "TASKS", "NETWORKS"}, False),
    "portainer_cronjob-socket-proxy": ("portainer_swarm-cronjob", {"SERVICES", "TASKS"}, True),
    "monitoring_netdata-socket-proxy": ("monitoring_netdata", {"CONTAINERS"}, False),
    "monitoring_generator-socket-proxy": ("monitoring_config-generator", {"SERVICES", "TASKS"}, True),
}
API_SECTIONS = {"AUTH", "BUILD", "COMMIT", "CONFIGS", "CONTAINERS", "DISTRIBUTION", "EXEC", "GRPC", "IMAGES",
                "INFO", "NETWORKS", "NODES", "PLUGINS", "SECRETS", "SERVICES", "SESSION", "SWARM", "SYSTEM",
                "TASKS", "VOLUMES"}


def socket_mounts(svc: dict) -> list[dict]:
    return [v for v in svc.get("volumes", []) if v.get("source") == SOCKET]


def test_only_the_portainer_agent_and_the_socket_proxies_mount_the_socket(rendered: dict[str, dict]) -> None:
    mounting = {name for name, svc in all_services(rendered).items() if socket_mounts(svc)}
    assert mounting == {"portainer_agent", *PROXIES}


def test_each_socket_proxy_allows_only_what_its_client_needs(rendered: dict[str, dict]) -> None:
    svc = all_services(rendered)
    for proxy, (client, sections, post) in PROXIES.items():
        p = svc[proxy]
        assert re.fullmatch(r"tecnativa/docker-socket-proxy:\d+\.\d+\.\d+", p["image"].partition("@")[0]), p["image"]
        env = {k: str(v) for k, v in p["environment"].items()}
        allowed = {k for k in API_SECTIONS if env.get(k) == "1"}
        assert allowed == sections, proxy
        assert env["POST"] == ("1" if post else "0"), proxy
        assert env["EVENTS"] == ("1" if proxy == "portainer_cronjob-socket-proxy" else "0"), proxy
        short = proxy.split("_", 1)[1]
        endpoint = f"tcp://{short}:2375"
        client_svc = svc[client]
        assert (endpoint in client_svc.get("command", [])
                or f"--providers.swarm.endpoint={endpoint}" in client_svc.get("command", [])
                or client_svc.get("environment", {}).get("DOCKER_HOST") == endpoint), client
        # a network of their own: nothing else can reach the proxy
        stack = proxy.split("_", 1)[0]
        (net,) = p["networks"]
        assert net in client_svc["networks"]
        members = {n for n, s in rendered[stack]["services"].items() if net in (s.get("networks") or {})}
        assert members == {short, client.split("_", 1)[1]}
        network = rendered[stack]["networks"][net]
        assert network.get("internal") is True and not network.get("attachable"), (stack, net)
        if proxy != "monitoring_netdata-socket-proxy":  # the Swarm API answers on managers only
            assert "node.role == manager" in p["deploy"]["placement"]["constraints"]


def test_netdata_cannot_use_the_host_socket_through_its_view_of_the_host(rendered: dict[str, dict]) -> None:
    """/host/root holds the host's socket; the unprivileged netdata user may not open it."""
    netdata = rendered["monitoring"]["services"]["netdata"]
    assert any(v.get("target") == "/host/root" and v.get("read_only") for v in netdata["volumes"])
    assert "PGID" not in netdata.get("environment", {})  # would add netdata to the docker group
    assert "user" not in netdata  # the image's own privilege drop to the netdata user


def test_the_agent_is_alone_with_portainer_on_a_non_attachable_network(rendered: dict[str, dict]) -> None:
    doc = rendered["portainer"]
    assert not doc["networks"]["agent"].get("attachable")
    members = {n for n, s in doc["services"].items() if "agent" in (s.get("networks") or {})}
    assert members == {"agent", "portainer"}
    assert "traefik.enable" not in labels(doc["services"]["agent"])


def test_deploy_docs_say_what_each_socket_mount_can_do(rendered: dict[str, dict]) -> None:
    docs = (REPO / "docs" / "deploy.md").read_text()
    section = docs[docs.index("## Docker socket"):]
    section = section[:section.index("\n## ", 4)]
    for name in ("portainer_agent", *PROXIES):
        assert f"`{name.split('_', 1)[1]}`" in section, name


# ---- item 18: networks and the monitoring role --------------------------------------------------


def test_the_database_is_only_on_internal_non_attachable_networks(rendered: dict[str, dict]) -> None:
    data = rendered["llmproxy-data"]
    assert set(data["services"]["db"]["networks"]) == {"internal", "monitoring"}
    for net in ("internal", "monitoring"):
        assert data["networks"][net].get("internal") is True and not data["networks"][net].get("attachable")
        assert data["networks"][net]["driver"] == "overlay"
    monitoring = data["networks"]["monitoring"]["name"]
    internal = data["networks"]["internal"]["name"]
    # who joins which (by network name, across all stacks)
    members: dict[str, set[str]] = {monitoring: set(), internal: set()}
    for stack, doc in rendered.items():
        for name, svc in doc["services"].items():
            for net in svc.get("networks") or {}:
                real = doc["networks"][net].get("name", f"{stack}_{net}")
                if real in members:
                    members[real].add(f"{stack}_{name}")
    assert members[monitoring] == {"llmproxy-data_db", "monitoring_netdata"}
    assert members[internal] == {"llmproxy-data_db", "llmproxy_litellm", "llmproxy_redis",
                                 "llmproxy_antigravity-manager", "llmproxy_db-cleanup"}


def test_netdata_logs_in_with_the_read_only_role() -> None:
    docs = (REPO / "docs" / "deploy.md").read_text()
    assert "configs/db-monitoring-role.sql" in docs and "pg_monitor" in docs
    assert "postgres://netdata:" in docs


# ---- issue 14: Redis for replicas --------------------------------------------------------------


def test_litellm_shares_state_through_the_stacks_redis(rendered: dict[str, dict]) -> None:
    app = rendered["llmproxy"]
    redis = app["services"]["redis"]
    assert re.fullmatch(r"valkey/valkey:\d+\.\d+\.\d+-alpine", redis["image"].partition("@")[0])
    assert "requirepass" in redis["command"][2] and "$REDIS_PASSWORD" in redis["command"][2]
    assert "--appendonly no" in redis["command"][2]  # counters and cooldowns: nothing to persist
    assert "volumes" not in redis
    env = app["services"]["litellm"]["environment"]
    assert env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379"
    config = yaml.safe_load((REPO / "configs" / "litellm.yaml").read_text())
    assert config["general_settings"]["coordination_redis"] == {
        "host": "os.environ/REDIS_HOST", "port": "os.environ/REDIS_PORT", "password": "os.environ/REDIS_PASSWORD"}
    docs = (REPO / "docs" / "deploy.md").read_text()
    assert "PROXY_CONFIG_RELOAD_INTERVAL_SECONDS" in docs and "LITELLM_REPLICAS" in docs
    assert read_env_example(REPO / ".env.example")["LITELLM_REPLICAS"].value == "1"
