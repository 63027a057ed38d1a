"""Migration 0004 moves findings into shared bodies and back, with every query's answer unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alembic import command
from scorekeeper.domain.model import ControlResult, Finding, RemediationKind, SecureScore, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import alembic_config, create_store_engine, resolve_url

C = "SelfServicePasswordReset"


def _findings(day: int) -> tuple[Finding, ...]:
    changing = Finding(control=C, setting="methods", status=Status.FAIL, current={"n": day}, desired={"n": 2})
    same = Finding(
        control=C,
        setting="notify",
        status=Status.PASS,
        current=True,
        desired=True,
        reason="on",
        title="Notify users",
        remediation=RemediationKind.GUIDED,
        steps=("Open", "Tick"),
        evidence={"portal": {"notify": True}},
        missing_permissions=("x",),
    )
    return (same, changing)


def _url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return resolve_url(tmp_path / "history.db")
    return str(request.getfixturevalue("postgres_server").create_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: Any, tmp_path: Path) -> str:
    return _url(request, tmp_path)


def _runs(store: HistoryStore, days: int) -> list[int]:
    ids = []
    for day in range(days):
        run_id = store.start_run("t", "assess", controls=[C])
        store.record_run(run_id, [ControlResult(C, "SSPR", _findings(day), score=SecureScore(C, 1.0, 2.0))])
        ids.append(run_id)
    return ids


def _answers(store: HistoryStore, ids: list[int]) -> Any:
    runs = [store.get_run(i) for i in ids]
    return (
        [(r.run_id, [(c.control, c.findings) for c in r.controls]) for r in runs if r is not None],
        [store.findings_for_run(i) for i in ids],
        [(s.id, s.counts) for s in store.runs()],
        [(o.tenant, o.control, o.counts, o.last_run_id) for o in store.overview()],
    )


def test_unchanged_findings_share_one_body(url: str) -> None:
    with HistoryStore.open(url) as store:
        ids = _runs(store, 5)
        engine = create_store_engine(url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT count(*) FROM findings")).scalar_one()
                bodies = connection.execute(sa.text("SELECT count(*) FROM finding_bodies")).scalar_one()
        finally:
            engine.dispose()
        assert (rows, bodies) == (10, 6), "one body for the unchanged finding, one per day for the changing one"
        assert [f.current for f in store.findings_for_run(ids[3])] == [True, {"n": 3}]


def test_migration_moves_findings_into_bodies_and_back(url: str) -> None:
    with HistoryStore.open(url) as store:
        ids = _runs(store, 3)
        expected = _answers(store, ids)
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
        with engine.connect() as connection:
            flat = connection.execute(sa.text("SELECT setting, title, steps FROM findings ORDER BY id")).all()
        assert [r[0] for r in flat] == ["notify", "methods"] * 3
        assert flat[0][1] == "Notify users"
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.connect() as connection:
            bodies = connection.execute(sa.text("SELECT count(*) FROM finding_bodies")).scalar_one()
        assert bodies == 4
    finally:
        engine.dispose()
    with HistoryStore.open(url) as store:
        assert _answers(store, ids) == expected
