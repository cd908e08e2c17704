from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.harness.postgres import Cluster
from tests.harness.run import TEMPLATE_DB, harness_run
from tests.stack.litellm_venv import litellm_proxy_extras

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def litellm_extras() -> Path:
    """litellm_proxy_extras (schema.prisma + migrations) of the pinned LiteLLM the harness uses."""
    return litellm_proxy_extras()


@pytest.fixture(scope="session")
def pg() -> Cluster:
    """The run's PostgreSQL (stopped at the end of the run)."""
    return harness_run().cluster


@pytest.fixture(scope="session")
def litellm_schema(pg: Cluster, litellm_extras: Path) -> str:
    """A database holding LiteLLM's real schema (every migration applied), the template of
    every test database."""
    names = {row[0] for row in pg.query('SELECT migration_name FROM "_prisma_migrations"', TEMPLATE_DB)}
    expected = {p.parent.name for p in (litellm_extras / "migrations").glob("*/migration.sql")}
    assert expected and names == expected, f"migrations missing from {TEMPLATE_DB}: {sorted(expected - names)}"
    return TEMPLATE_DB


@pytest.fixture()
def litellm_db(pg: Cluster, litellm_schema: str) -> str:
    """A fresh copy of the LiteLLM schema, empty, for one test."""
    name = f"litellm_stack_test_{next(_db_numbers)}"
    pg.psql("-c", f'DROP DATABASE IF EXISTS "{name}"')
    pg.psql("-c", f'CREATE DATABASE "{name}" TEMPLATE "{litellm_schema}"')
    return name
