"""Fleet tests: a PostgreSQL history of their own with procrastinate's schema applied (``fleet init``)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from scorekeeper.fleet import tasks
from scorekeeper.fleet.app import apply_schema, open_app
from scorekeeper.store import HistoryStore


@pytest.fixture
def fleet_url(postgres_server: Any) -> str:
    """A new database: the history migrated, then the job queue schema applied as `fleet init` does."""
    url = postgres_server.create_database()
    HistoryStore.open(url).close()

    async def init() -> None:
        async with open_app(url) as app:
            assert await apply_schema(app)

    asyncio.run(init())
    return url


@pytest.fixture
def fleet_store(fleet_url: str) -> Iterator[HistoryStore]:
    store = HistoryStore.open(fleet_url)
    yield store
    store.close()


@pytest.fixture(autouse=True)
def no_runtime_left() -> Iterator[None]:
    yield
    tasks.install(None)


def assert_never_twice_at_once(store: HistoryStore) -> None:
    """No two runs of one tenant overlap in time (finished runs and interrupted ones alike)."""
    by_tenant: dict[str, list[Any]] = {}
    for run in store.runs(limit=10_000):
        by_tenant.setdefault(run.tenant, []).append(run)
    for tenant, runs in by_tenant.items():
        runs.sort(key=lambda r: r.started_at)
        for earlier, later in itertools.pairwise(runs):
            assert earlier.finished_at is not None, f"{tenant}: run {earlier.id} never finished"
            assert earlier.finished_at <= later.started_at, f"{tenant}: runs {earlier.id} and {later.id} overlap"
