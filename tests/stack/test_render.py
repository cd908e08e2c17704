"""Every stack file, rendered by `docker stack config` as `docker stack deploy` would render it."""

from __future__ import annotations

import re

import pytest

from tests.harness.install import HERE as HARNESS
from tests.stack.stacks import (
    REPO,
    STACKS,
    example_env,
    read_env_example,
    render,
    render_proc,
    required_variables,
)

EXPECTED_SERVICES = {
    "portainer": {"traefik", "traefik-socket-proxy", "portainer", "agent", "swarm-cronjob", "cronjob-socket-proxy"},
    "llmproxy-data": {"db"},
    "llmproxy": {"litellm", "redis", "antigravity-manager", "db-cleanup"},
    "monitoring": {"netdata", "netdata-socket-proxy", "config-generator", "generator-socket-proxy"},
}
# The one secret-bearing variable left (a password hash in Traefik's own format): required, never
# defaulted. Every other secret is a Docker secret (test_hardening.py).
SECRETS = {"NETDATA_BASIC_AUTH"}
# A release tag: a version number, optionally a variant suffix (alpine, cli).
RELEASE_TAG = re.compile(r"^v?\d+\.\d+(\.\d+)?(-(alpine|cli))?$")


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict]:
    return {name: render(stack, example_env(stack)) for name, stack in STACKS.items()}


def services(rendered: dict[str, dict]) -> dict[str, dict]:
    """All services of all stacks, by their Swarm name (<stack>_<service>)."""
    return {f"{stack}_{name}": svc for stack, doc in rendered.items() for name, svc in doc["services"].items()}


def labels(service: dict) -> dict[str, str]:
    return {**service.get("labels", {}), **service.get("deploy", {}).get("labels", {})}


@pytest.mark.parametrize("name", STACKS)
def test_every_stack_renders_with_its_example_env(rendered: dict[str, dict], name: str) -> None:
    assert set(rendered[name]["services"]) == EXPECTED_SERVICES[name]


def test_images_are_pinned_to_release_tags(rendered: dict[str, dict]) -> None:
    for name, svc in services(rendered).items():
        # a tag, optionally followed by the digest it resolved to (docs/deploy.md, "Digests")
        image, _, digest = svc["image"].partition("@")
        assert not digest or re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{name}: {svc['image']}"
        assert ":" in image.rsplit("/", 1)[-1], f"{name}: {image} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert RELEASE_TAG.match(tag), f"{name}: {image} is not pinned to a release tag"
        assert not re.search(r"latest|main|rc|nightly|dev|beta|alpha", tag), f"{name}: {image}"


def test_litellm_image_is_the_release_the_e2e_tests_run(rendered: dict[str, dict]) -> None:
    pinned = re.search(r"^litellm\[proxy\]==(\S+)$", (HARNESS / "requirements.txt").read_text(), re.M)
    assert pinned, "the e2e harness no longer pins litellm[proxy]"
    image = rendered["llmproxy"]["services"]["litellm"]["image"].partition("@")[0]
    assert image == f"ghcr.io/berriai/litellm-database:v{pinned.group(1)}"


def test_db_cleanup_uses_the_database_image(rendered: dict[str, dict]) -> None:
    """psql of the job and the server come from the same PostgreSQL release."""
    assert (rendered["llmproxy"]["services"]["db-cleanup"]["image"]
            == rendered["llmproxy-data"]["services"]["db"]["image"])


def test_the_internal_network_has_its_own_variable() -> None:
    env = {"INTERNAL_NETWORK": "net-internal-x", "PUBLIC_NETWORK": "net-public-y",
           "DB_MONITORING_NETWORK": "net-monitoring-z"}
    data = render(STACKS["llmproxy-data"], {**example_env(STACKS["llmproxy-data"]), **env})
    app = render(STACKS["llmproxy"], {**example_env(STACKS["llmproxy"]), **env})
    assert data["networks"]["internal"] == {"name": "net-internal-x", "driver": "overlay", "internal": True}
    assert data["networks"]["monitoring"] == {"name": "net-monitoring-z", "driver": "overlay", "internal": True}
    assert app["networks"] == {"internal": {"name": "net-internal-x", "external": True},
                               "public": {"name": "net-public-y", "external": True}}
    svc = app["services"]
    assert set(svc["litellm"]["networks"]) == {"internal", "public"}
    assert set(svc["antigravity-manager"]["networks"]) == {"internal", "public"}
    assert set(svc["db-cleanup"]["networks"]) == {"internal"}  # no route to the internet needed
    assert set(svc["redis"]["networks"]) == {"internal"}
    assert set(data["services"]["db"]["networks"]) == {"internal", "monitoring"}


def test_shared_networks_agree_across_stacks(rendered: dict[str, dict]) -> None:
    """The public network the portainer stack creates is the one the others join, etc."""
    public = rendered["portainer"]["networks"]["public"]
    assert public["driver"] == "overlay" and public["attachable"] is True
    for stack in ("llmproxy", "monitoring"):
        assert rendered[stack]["networks"]["public"] == {"name": public["name"], "external": True}
    assert rendered["monitoring"]["networks"]["db-monitoring"] == {
        "name": rendered["llmproxy-data"]["networks"]["monitoring"]["name"], "external": True}
    internal = rendered["llmproxy-data"]["networks"]["internal"]["name"]
    assert rendered["llmproxy"]["networks"]["internal"] == {"name": internal, "external": True}


def test_healthchecks(rendered: dict[str, dict]) -> None:
    svc = services(rendered)
    checks = {name: " ".join(s["healthcheck"]["test"]) for name, s in svc.items() if "healthcheck" in s}
    assert "http://127.0.0.1:4000/health/liveliness" in checks["llmproxy_litellm"]
    assert "http://127.0.0.1:8045/health" in checks["llmproxy_antigravity-manager"]
    assert "pg_isready" in checks["llmproxy-data_db"]
    assert "traefik healthcheck --ping" in checks["portainer_traefik"]
    assert "--ping=true" in svc["portainer_traefik"]["command"]
    assert "/output/postgres.conf" in checks["monitoring_config-generator"]
    assert "valkey-cli ping" in checks["llmproxy_redis"] and "/run/secrets/redis-password" in checks["llmproxy_redis"]
    # LiteLLM runs its migrations at start: give it time before failures count
    assert svc["llmproxy_litellm"]["healthcheck"]["start_period"] == "2m0s"


def test_rolling_updates(rendered: dict[str, dict]) -> None:
    litellm = rendered["llmproxy"]["services"]["litellm"]["deploy"]
    assert litellm["update_config"]["order"] == "start-first"
    assert litellm["update_config"]["failure_action"] == "rollback"
    assert litellm["rollback_config"]["order"] == "start-first"
    for name, svc in services(rendered).items():
        deploy = svc["deploy"]
        if deploy.get("replicas") == 0:  # a job, not a service
            continue
        assert deploy["update_config"]["failure_action"] == "rollback", name
    # one writer per volume, one binder per host port: these must stop before they start
    for name in ("llmproxy-data_db", "llmproxy_antigravity-manager", "portainer_traefik", "portainer_portainer",
                 "portainer_swarm-cronjob"):
        assert services(rendered)[name]["deploy"]["update_config"]["order"] == "stop-first", name


def test_stateful_services_stay_on_the_node_of_their_volume(rendered: dict[str, dict]) -> None:
    svc = services(rendered)
    for name in ("llmproxy-data_db", "llmproxy_antigravity-manager", "portainer_portainer", "portainer_traefik"):
        assert "node.role == manager" in svc[name]["deploy"]["placement"]["constraints"], name


def test_logs_are_bounded(rendered: dict[str, dict]) -> None:
    for name, svc in services(rendered).items():
        assert svc["logging"] == {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}}, name


def test_litellm_service(rendered: dict[str, dict]) -> None:
    env = example_env(STACKS["llmproxy"])
    svc = rendered["llmproxy"]["services"]["litellm"]
    assert svc["environment"] == {
        # LiteLLM builds DATABASE_URL from these (test_litellm_secrets.py runs it)
        "DATABASE_HOST": f"{env['DB_HOST']}:5432",
        "DATABASE_USERNAME": env["DB_USER"],
        "DATABASE_NAME": env["DB_NAME"],
        "DATABASE_PASSWORD_FILE": "/run/secrets/db-password",
        "STORE_MODEL_IN_DB": "True",
        "LITELLM_MASTER_KEY_FILE": "/run/secrets/litellm-master-key",
        "LITELLM_SALT_KEY_FILE": "/run/secrets/litellm-salt-key",
        # so that "api_key": "os.environ/ANTIGRAVITY_MANAGER_API_KEY" in llmproxy's config resolves
        "ANTIGRAVITY_MANAGER_API_KEY_FILE": "/run/secrets/antigravity-manager-api-key",
        "REDIS_HOST": "redis",
        "REDIS_PORT": "6379",
        "REDIS_PASSWORD_FILE": "/run/secrets/redis-password",
        "PROXY_CONFIG_RELOAD_INTERVAL_SECONDS": env["PROXY_CONFIG_RELOAD_INTERVAL_SECONDS"],
    }
    # DB_HOST's default is the database service's Swarm name
    assert env["DB_HOST"] == "llmproxy-data_db" and "db" in rendered["llmproxy-data"]["services"]
    assert svc["entrypoint"] == ["/bin/sh", "/usr/local/bin/secret-env.sh", "/app/docker/prod_entrypoint.sh"]
    assert svc["command"][:2] == ["--config", "/app/config.yaml"]
    assert svc["configs"][0] == {"source": "litellm-config", "target": "/app/config.yaml"}
    assert rendered["llmproxy"]["configs"]["litellm-config"] == {"name": env["LITELLM_CONFIG_NAME"], "external": True}
    data_env = rendered["llmproxy-data"]["services"]["db"]["environment"]
    assert data_env == {"POSTGRES_USER": env["DB_USER"], "POSTGRES_PASSWORD_FILE": "/run/secrets/db-password",
                        "POSTGRES_DB": env["DB_NAME"]}
    # the database and LiteLLM read the same secret
    assert (rendered["llmproxy-data"]["secrets"]["db-password"]
            == rendered["llmproxy"]["secrets"]["db-password"]
            == {"name": env["DB_PASSWORD_SECRET"], "external": True})


def test_litellm_replicas_and_reload_interval_are_variables() -> None:
    env = {**example_env(STACKS["llmproxy"]), "LITELLM_REPLICAS": "3", "PROXY_CONFIG_RELOAD_INTERVAL_SECONDS": "10"}
    svc = render(STACKS["llmproxy"], env)["services"]["litellm"]
    assert svc["deploy"]["replicas"] == 3
    assert svc["environment"]["PROXY_CONFIG_RELOAD_INTERVAL_SECONDS"] == "10"
    assert read_env_example(REPO / ".env.example")["PROXY_CONFIG_RELOAD_INTERVAL_SECONDS"].value == "30"


def test_antigravity_manager_is_where_llmproxy_configs_point(rendered: dict[str, dict]) -> None:
    """llmproxy's example config uses api_base http://antigravity-manager:8045."""
    env = example_env(STACKS["llmproxy"])
    svc = rendered["llmproxy"]["services"]["antigravity-manager"]
    assert "antigravity-manager" in rendered["llmproxy"]["services"]
    assert set(svc["networks"]) & set(rendered["llmproxy"]["services"]["litellm"]["networks"])
    assert labels(svc)["traefik.http.services.antigravity-manager.loadbalancer.server.port"] == "8045"
    assert svc["environment"] == {"API_KEY_FILE": "/run/secrets/antigravity-manager-api-key",
                                  "WEB_PASSWORD_FILE": "/run/secrets/antigravity-manager-web-password",
                                  "ABV_MAX_BODY_SIZE": env["ANTIGRAVITY_MANAGER_MAX_BODY_SIZE"]}
    # the image's own entrypoint, behind secret-env.sh
    assert svc["entrypoint"] + svc["command"] == ["/bin/sh", "/usr/local/bin/secret-env.sh",
                                                  "/app/antigravity-tools", "--headless"]
    assert [v["target"] for v in svc["volumes"]] == ["/root/.antigravity_tools"]


def test_traefik_routes(rendered: dict[str, dict]) -> None:
    """Every routed service names a host, an entrypoint and a resolver Traefik really has."""
    traefik = rendered["portainer"]["services"]["traefik"]
    command = traefik["command"]
    entrypoints = set(re.findall(r"^--entrypoints\.(\w+)\.address=", "\n".join(command), re.M))
    resolvers = set(re.findall(r"^--certificatesresolvers\.(\w+)\.", "\n".join(command), re.M))
    public = rendered["portainer"]["networks"]["public"]["name"]
    assert f"--providers.swarm.network={public}" in command
    assert "--providers.swarm.exposedByDefault=false" in command
    app_env = example_env(STACKS["llmproxy"])
    routes = {  # service -> its routers, host, port
        "llmproxy_litellm": (("litellm", "litellm-admin"), app_env["LITELLM_HOST"], "4000", "litellm"),
        "llmproxy_antigravity-manager": (("antigravity-manager",), app_env["ANTIGRAVITY_MANAGER_HOST"], "8045",
                                         "antigravity-manager"),
        "monitoring_netdata": (("netdata",), example_env(STACKS["monitoring"])["NETDATA_HOST"], "19999", "netdata"),
        "portainer_portainer": (("portainer",), example_env(STACKS["portainer"])["PORTAINER_HOST"], "9000",
                                "portainer"),
    }
    svc = services(rendered)
    for name, (routers, host, port, service) in routes.items():
        lab = labels(svc[name])
        assert lab["traefik.enable"] == "true", name
        assert lab["traefik.swarm.network"] == public, name
        assert lab[f"traefik.http.services.{service}.loadbalancer.server.port"] == port, name
        assert {m.group(1) for k in lab if (m := re.match(r"traefik\.http\.routers\.([^.]+)\.", k))} == set(routers)
        for router in routers:
            assert lab[f"traefik.http.routers.{router}.rule"].startswith(f"Host(`{host}`)"), name
            assert lab[f"traefik.http.routers.{router}.entrypoints"] in entrypoints - {"web"}, name
            assert lab[f"traefik.http.routers.{router}.tls.certresolver"] in resolvers, name
            assert lab.get(f"traefik.http.routers.{router}.service", service) == service, name
        assert "public" in svc[name]["networks"], name
    unrouted = {n for n, s in svc.items() if labels(s).get("traefik.enable") == "true"} - set(routes)
    assert not unrouted


def test_traefik_redirects_to_https_and_keeps_client_ips(rendered: dict[str, dict]) -> None:
    traefik = rendered["portainer"]["services"]["traefik"]
    assert "--entrypoints.web.http.redirections.entrypoint.to=websecure" in traefik["command"]
    assert "--entrypoints.web.http.redirections.entrypoint.scheme=https" in traefik["command"]
    assert "--certificatesresolvers.letsencrypt.acme.email=ops@example.com" in traefik["command"]
    ports = {(p["target"], p["published"], p["mode"]) for p in traefik["ports"]}
    assert ports == {(80, 80, "host"), (443, 443, "host")}


def test_netdata_basic_auth_hash_reaches_traefik_unchanged(rendered: dict[str, dict]) -> None:
    netdata = rendered["monitoring"]["services"]["netdata"]
    lab = labels(netdata)
    assert lab["traefik.http.routers.netdata.middlewares"] == "netdata-allowlist,netdata-auth"
    assert (lab["traefik.http.middlewares.netdata-auth.basicauth.users"]
            == example_env(STACKS["monitoring"])["NETDATA_BASIC_AUTH"])


def test_db_cleanup_is_a_weekly_swarm_cronjob(rendered: dict[str, dict]) -> None:
    deploy = rendered["llmproxy"]["services"]["db-cleanup"]["deploy"]
    assert deploy["mode"] == "replicated" and deploy["replicas"] == 0
    assert deploy["restart_policy"] == {"condition": "none"}
    assert deploy["labels"] == {"swarm.cronjob.enable": "true",
                                "swarm.cronjob.schedule": "0 3 * * 0",  # Sunday 03:00
                                "swarm.cronjob.skip-running": "true"}


def test_the_swarm_cronjob_scheduler_is_deployed(rendered: dict[str, dict]) -> None:
    svc = rendered["portainer"]["services"]["swarm-cronjob"]
    assert svc["image"].startswith("crazymax/swarm-cronjob:")
    assert svc["deploy"]["replicas"] == 1
    assert "node.role == manager" in svc["deploy"]["placement"]["constraints"]
    assert "volumes" not in svc  # the Docker API through its socket proxy (test_hardening.py)
    assert svc["environment"]["DOCKER_HOST"] == "tcp://cronjob-socket-proxy:2375"
    assert svc["environment"]["TZ"] == example_env(STACKS["portainer"])["SWARM_CRONJOB_TZ"]


def test_retention_is_90_days_everywhere() -> None:
    assert read_env_example(REPO / ".env.example")["DB_CLEANUP_RETENTION_DAYS"].value == "90"
    assert re.findall(r"DB_CLEANUP_RETENTION_DAYS:-(\d+)", STACKS["llmproxy"].file.read_text()) == ["90"]
    assert re.findall(r"\\set retention_days (\d+)", (REPO / "configs" / "db-cleanup.sql").read_text()) == ["90"]
    for doc in (REPO / "README.md", REPO / "docs" / "deploy.md"):
        text = doc.read_text()
        assert "90 days" in text, doc
    for path in [*(s.file for s in STACKS.values()), REPO / "configs" / "db-cleanup.sql",
                 REPO / "README.md", REPO / "docs" / "deploy.md", REPO / ".env.example"]:
        assert "365" not in path.read_text(), path


@pytest.mark.parametrize("stack,variable", [(s, v) for s in STACKS for v in sorted(required_variables(STACKS[s]))])
def test_a_missing_required_variable_stops_the_deploy(stack: str, variable: str) -> None:
    env = example_env(STACKS[stack])
    message = required_variables(STACKS[stack])[variable]
    for broken in ({k: v for k, v in env.items() if k != variable}, {**env, variable: ""}):
        proc = render_proc(STACKS[stack], broken)
        assert proc.returncode != 0
        assert variable in proc.stderr and message in proc.stderr, proc.stderr


def test_secrets_are_required_and_never_defaulted() -> None:
    for stack in STACKS.values():
        text = stack.file.read_text()
        for name in SECRETS:
            for use in re.findall(rf"\$\{{{name}([^}}]*)\}}", text):
                assert use.startswith(":?"), f"{stack.file}: ${{{name}{use}}} is not required"
    required = set().union(*(required_variables(s) for s in STACKS.values()))
    assert required >= SECRETS
    for path in {s.env_example for s in STACKS.values()}:
        for var in read_env_example(path).values():
            if var.name in SECRETS:
                assert var.value == "", f"{path}: {var.name} has an example value"


def test_no_credentials_in_labels(rendered: dict[str, dict]) -> None:
    """Labels are readable by anyone who can inspect a service and end up in dashboards."""
    # the CLI's secrets are in the environment of `docker stack deploy` too (set -a; . ./.env)
    secret_values = {v for k, v in example_env(STACKS["llmproxy"]).items()
                     if k in ("LITELLM_API_KEY", "ANTIGRAVITY_MANAGER_API_KEY")}
    assert len(secret_values) == 2
    for name, svc in services(rendered).items():
        for key, value in labels(svc).items():
            assert not re.search(r"postgres(ql)?://", value, re.I), f"{name}: {key} holds a DSN"
            assert key != "netdata.postgres.dsn", f"{name}: a DSN label"
            for secret in secret_values:
                assert secret not in value, f"{name}: label {key} holds a secret"
