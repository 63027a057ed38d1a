"""Control profiles are stored once per distinct set (migration 0010), and read back as they were kept.

Each assessment keeps the ~45 control profiles it read with the tenant's whole Secure Score. They
now live in ``score_profiles``, one row per distinct set, and ``tenant_scores.profiles_id`` points
at it. These tests check, on SQLite and PostgreSQL, that the reads return what was kept, that an
unchanged set is not stored again, and that the migration moves every row's profiles up and back
down unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alembic import command
from scorekeeper.domain.securescore import ControlScore, ControlState, DailyScore
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import alembic_config, create_store_engine, migrate
from scorekeeper.store.tenant_scores import kept_profile

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _profiles(variant: int) -> list[ControlScore]:
    state = ControlState("Ignored", "risk accepted", "ops", "admin@contoso", T0)
    return [
        ControlScore("A", "Control A", "Identity", "AzureAD", 1.0 + variant, 5.0, rank=1, state=state),
        ControlScore("B", "Control B", "Data", "EXO", None, None, tier="Core", deprecated=bool(variant)),
    ]


def _count(store: HistoryStore, table: str) -> int:
    with store._read() as session:
        return int(session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_an_unchanged_set_is_stored_once_and_every_read_returns_what_was_kept(store: HistoryStore) -> None:
    variants = [0, 0, 1, 0, 1]
    for day, variant in enumerate(variants):
        run_id = store.start_run("t", "assess", controls=["A"])
        store.record_run(run_id, [])
        score = DailyScore(scored_at=T0 + timedelta(days=day), current=10.0 + day, max_score=50.0)
        store.record_tenant_scores("t", [score], source="assessment", run_id=run_id, profiles=_profiles(variant))
        latest = store.latest_tenant_score("t")
        assert latest is not None and latest[0].current == 10.0 + day
        assert latest[1] == [kept_profile(p) for p in _profiles(variant)]
        assert store.latest_tenant_scores(["t", "nobody"]) == {"t": latest}
    assert _count(store, "score_profiles") == 2  # two distinct sets for five rows
    later = DailyScore(scored_at=T0 + timedelta(days=9), current=1.0, max_score=50.0)
    store.record_tenant_scores("t", [later], source="read")  # no profiles: the newest row with some still answers
    latest = store.latest_tenant_score("t")
    assert latest is not None and latest[0].current == 14.0 and latest[1] == [kept_profile(p) for p in _profiles(1)]


def _raw_profiles(url: str) -> list[tuple[int, Any]]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, profiles FROM tenant_scores ORDER BY id").fetchall()
    finally:
        engine.dispose()
    return [(i, json.loads(p) if isinstance(p, str) else p) for i, p in rows]


def test_the_migration_moves_every_rows_profiles_and_back(store: HistoryStore) -> None:
    url = store._engine.url.render_as_string(hide_password=False)
    store.close()
    engine = create_store_engine(url)
    kept = [[kept_profile(p) for p in _profiles(v)] for v in (0, 1)]
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0009")
        with engine.begin() as connection:
            tenant = "INSERT INTO tenants (name, tenant_id, created_at) VALUES ('t', '', '2026-01-01')"
            connection.exec_driver_sql(tenant)
            for n, profiles in enumerate([kept[0], kept[0], [], kept[1], kept[0]]):
                connection.execute(
                    sa.text(
                        "INSERT INTO tenant_scores (tenant, run_id, source, scored_at, recorded_at, current_score, "
                        "max_score, comparisons, controls, profiles) VALUES ('t', NULL, 'read', :at, :at, :n, 50, "
                        "'[]', '{}', :profiles)"
                    ),
                    {"at": f"2026-01-0{n + 1} 00:00:00", "n": float(n), "profiles": json.dumps(profiles)},
                )
        before = _raw_profiles(url)
        migrate(engine)
        with HistoryStore.open(url) as upgraded:
            assert _count(upgraded, "score_profiles") == 2
            latest = upgraded.latest_tenant_score("t")
            assert latest is not None and latest[0].current == 4.0 and latest[1] == kept[0]
            again = DailyScore(scored_at=T0, current=5.0, max_score=50.0)
            upgraded.record_tenant_scores("t", [again], source="read", profiles=_profiles(0))
            assert _count(upgraded, "score_profiles") == 2  # the migration's digest is the writer's
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0009")
        assert _raw_profiles(url)[: len(before)] == before  # every row's profiles as they were, [] included
        migrate(engine)
    finally:
        engine.dispose()


def test_record_run_points_at_a_known_set_and_stores_a_new_one(store: HistoryStore) -> None:
    from scorekeeper.domain.securescore import AssessedScore

    for day, variant in enumerate([0, 0, 1, 0]):
        run_id = store.start_run("t", "assess", controls=[])
        today = DailyScore(scored_at=T0 + timedelta(days=day), current=float(day), max_score=50.0)
        store.record_run(run_id, [], tenant_score=AssessedScore(today, tuple(_profiles(variant))), detect_drift=True)
        latest = store.latest_tenant_score("t")
        assert latest is not None and latest[0].current == float(day)
        assert latest[1] == [kept_profile(p) for p in _profiles(variant)]
    assert _count(store, "score_profiles") == 2
