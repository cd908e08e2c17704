from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack.litellm_venv import litellm_proxy_extras
from tests.stack.postgres import Cluster, apply_litellm_migrations, start_cluster, stop_cluster

TEMPLATE_DB = "litellm_schema"
_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def litellm_extras() -> Path:
    """litellm_proxy_extras (schema.prisma + migrations) of the pinned LiteLLM the e2e harness uses."""
    return litellm_proxy_extras()


@pytest.fixture(scope="session")
def pg() -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        stop_cluster(cluster)


@pytest.fixture(scope="session")
def litellm_schema(pg: Cluster, litellm_extras: Path) -> str:
    """A database holding LiteLLM's real schema, used as the template of every test database."""
    pg.psql("-c", f'CREATE DATABASE "{TEMPLATE_DB}"')
    count = apply_litellm_migrations(pg, TEMPLATE_DB, litellm_extras)
    assert count > 0, f"no migrations found in {litellm_extras}"
    return TEMPLATE_DB


@pytest.fixture()
def litellm_db(pg: Cluster, litellm_schema: str) -> str:
    """A fresh copy of the LiteLLM schema, empty, for one test."""
    name = f"litellm_test_{next(_db_numbers)}"
    pg.psql("-c", f'CREATE DATABASE "{name}" TEMPLATE "{litellm_schema}"')
    return name
