"""A tenant score's control-score map is stored once per distinct map (migration 0011), and read back as written.

Each whole-score row used to carry the score of every control (~1.2 KB of JSON). Maps now live in
``score_controls``, one row per distinct map (its pairs in order), and ``tenant_scores.controls_id``
points at it; an empty map points at nothing. These tests check, on SQLite and PostgreSQL, that
every read returns the map that was written (order included), that an unchanged map is not stored
again whichever way it is written, that drift still compares the maps, and that the migration
moves every row's map up and back down unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alembic import command
from scorekeeper.domain.model import ControlResult, SecureScore
from scorekeeper.domain.securescore import AssessedScore, ControlScore, DailyScore
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import alembic_config, create_store_engine, migrate

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PROFILES = (ControlScore("A", "Control A", "Identity", "AzureAD", 1.0, 5.0),)
MAPS: list[dict[str, float]] = [
    {"A": 1.0, "B": 2.0},
    {"B": 2.0, "A": 1.0},  # the same scores in another order: read back in this order
    {},
    {"A": 0.0, "B": 2.0},
]


def _count(store: HistoryStore, table: str) -> int:
    with store._read() as session:
        return int(session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _daily(day: int, controls: dict[str, float]) -> DailyScore:
    return DailyScore(scored_at=T0 + timedelta(days=day), current=10.0 + day, max_score=50.0, controls=controls)


def test_every_read_returns_the_map_written_and_an_unchanged_map_is_stored_once(store: HistoryStore) -> None:
    order = [0, 0, 1, 2, 3, 0, 1]
    for day, which in enumerate(order):
        run_id = store.start_run("t", "assess", controls=["A"])
        if day % 2:  # both write paths: record_run's and record_tenant_scores'
            store.record_run(run_id, [], tenant_score=AssessedScore(_daily(day, MAPS[which]), PROFILES))
        else:
            store.record_run(run_id, [])
            store.record_tenant_scores(
                "t", [_daily(day, MAPS[which])], source="assessment", run_id=run_id, profiles=PROFILES
            )
        latest = store.latest_tenant_score("t")
        assert latest is not None
        assert list(latest[0].controls.items()) == list(MAPS[which].items())
        assert store.latest_tenant_scores(["t", "nobody"]) == {"t": latest}
    assert _count(store, "score_controls") == 3  # three distinct non-empty maps for seven rows
    with store._read() as session:
        pointers = session.execute(sa.text("SELECT controls_id FROM tenant_scores ORDER BY id")).scalars().all()
    assert pointers[3] is None and len({p for p in pointers if p is not None}) == 3


def test_imported_days_share_their_maps(store: HistoryStore) -> None:
    older = tuple(_daily(-d, MAPS[d % 2]) for d in range(1, 31))
    run_id = store.start_run("t", "assess", controls=["A"])
    store.record_run(run_id, [], tenant_score=AssessedScore(_daily(0, MAPS[0]), PROFILES, older))
    assert _count(store, "tenant_scores") == 31
    assert _count(store, "score_controls") == 2
    with store._read() as session:
        rows = session.execute(
            sa.text(
                "SELECT s.current_score, c.controls FROM tenant_scores s "
                "LEFT JOIN score_controls c ON c.id = s.controls_id ORDER BY s.current_score"
            )
        ).all()
    stored = {float(current): json.loads(c) if isinstance(c, str) else c for current, c in rows}
    assert stored == {10.0 - d: MAPS[d % 2] for d in range(31)}


def test_drift_compares_the_stored_maps(store: HistoryStore) -> None:
    """A control outside the plugins whose score falls in the map is drift: the previous map is read back."""
    maps = [{"A": 3.0, "B": 2.0, "C": 1.0}, {"A": 3.0, "B": 0.5, "C": 1.0}, {"A": 3.0, "B": 0.5, "C": 1.0}]
    for day, controls in enumerate(maps):
        run_id = store.start_run("t", "assess", controls=["A"])
        result = ControlResult("A", "Control A", (), score=SecureScore("A", 3.0, 5.0, T0 + timedelta(days=day)))
        score = DailyScore(scored_at=T0 + timedelta(days=day), current=40.0, max_score=50.0, controls=controls)
        store.record_run(run_id, [result], tenant_score=AssessedScore(score, PROFILES), detect_drift=True)
    events = [(e.kind, e.control, dict(e.detail)) for e in store.drift_events("t")]
    assert events == [("score_dropped", "B", {"previous_score": 2.0, "score": 0.5, "max_score": None})]


def _raw_controls(url: str) -> list[tuple[int, Any]]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, controls FROM tenant_scores ORDER BY id").fetchall()
    finally:
        engine.dispose()
    decoded = [(i, json.loads(c) if isinstance(c, str) else c) for i, c in rows]
    return [(i, list(c.items())) for i, c in decoded]  # the order of each map compared too


def test_the_migration_moves_every_rows_map_and_back(store: HistoryStore) -> None:
    url = store._engine.url.render_as_string(hide_password=False)
    store.close()
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010")
        with engine.begin() as connection:
            tenant = "INSERT INTO tenants (name, tenant_id, created_at) VALUES ('t', '', '2026-01-01')"
            connection.exec_driver_sql(tenant)
            for n, which in enumerate([0, 0, 2, 1, 3, 0]):
                connection.execute(
                    sa.text(
                        "INSERT INTO tenant_scores (tenant, run_id, source, scored_at, recorded_at, current_score, "
                        "max_score, comparisons, controls) "
                        "VALUES ('t', NULL, 'read', :at, :at, :n, 50, '[]', :controls)"
                    ),
                    {"at": f"2026-01-0{n + 1} 00:00:00", "n": float(n), "controls": json.dumps(MAPS[which])},
                )
        before = _raw_controls(url)
        migrate(engine)
        with HistoryStore.open(url) as upgraded:
            assert _count(upgraded, "score_controls") == 3
            again = DailyScore(scored_at=T0, current=9.0, max_score=50.0, controls=MAPS[1])
            upgraded.record_tenant_scores("t", [again], source="read", profiles=PROFILES)
            assert _count(upgraded, "score_controls") == 3  # the migration's digest is the writer's
            latest = upgraded.latest_tenant_score("t")
            assert latest is not None and list(latest[0].controls.items()) == list(MAPS[1].items())
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010")
        after = _raw_controls(url)
        assert after[: len(before)] == before  # every row's map as it was, {} and order included
        assert after[-1][1] == list(MAPS[1].items())
        migrate(engine)
    finally:
        engine.dispose()


def test_a_known_map_reads_the_same_total_as_the_stored_one(store: HistoryStore) -> None:
    """Drift reads a whole score without its map when the caller holds that map: the same total either way."""
    from scorekeeper.store import driftdetect

    controls = {"A": 3.0, "B": 2.0}
    run_id = store.start_run("t", "assess", controls=["A"])
    store.record_run(run_id, [], tenant_score=AssessedScore(_daily(0, controls), PROFILES))
    with store._read() as session:
        map_id = session.execute(sa.text("SELECT controls_id FROM tenant_scores")).scalar_one()
        read = driftdetect.read_total(session, run_id)
        known = driftdetect.read_total(session, run_id, (map_id, controls))
        other = driftdetect.read_total(session, run_id, (map_id + 1, {"Z": 9.0}))  # another map: the stored one is read
    assert read is not None and read.controls == controls
    assert known == read and other == read
