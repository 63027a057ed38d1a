"""A run's versions map is stored once per distinct map (migration 0012) and read back as the run recorded it.

``runs.versions_id`` points at ``run_versions``; these tests check, on SQLite and PostgreSQL, that
``get_run`` and ``runs_by_id`` return each run's own map (order included, ``None`` where none was
recorded), that runs of one installation share one stored map, and that the migration moves every
run's value up and back down exactly: SQL ``NULL``, a JSON ``null`` and each map's text.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from alembic import command
from scorekeeper.domain.model import ControlResult, Organization
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import alembic_config, create_store_engine, migrate

C = "SelfServicePasswordReset"
A = {"scorekeeper": "1.0", "scorekeeper-m365-sspr": "2.0"}
A_REORDERED = {"scorekeeper-m365-sspr": "2.0", "scorekeeper": "1.0"}
B = {"scorekeeper": "1.1"}


def _count(store: HistoryStore, table: str) -> int:
    with store._read() as session:
        return int(session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_runs_share_a_stored_map_and_read_back_their_own(store: HistoryStore) -> None:
    recorded: list[dict[str, str] | None] = [A, A, None, B, A_REORDERED, A]
    ids = []
    for versions in recorded:
        run_id = store.start_run("t", "assess", controls=[C])
        organization = Organization(display_name="Contoso") if versions is None else None
        store.record_run(run_id, [ControlResult(C, "SSPR", ())], versions=versions, organization=organization)
        ids.append(run_id)
    assert _count(store, "run_versions") == 3  # A, B and A in another order
    by_id = store.runs_by_id(ids)
    for run_id, versions in zip(ids, recorded, strict=True):
        run = store.get_run(run_id)
        assert run is not None and by_id[run_id].versions == run.versions
        assert (list(run.versions.items()) if run.versions else None) == (list(versions.items()) if versions else None)


def _raw(url: str) -> list[tuple[int, bool, Any]]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT id, versions IS NULL, CAST(versions AS TEXT) FROM runs ORDER BY id"
            ).fetchall()
    finally:
        engine.dispose()
    return [(int(i), bool(is_null), text) for i, is_null, text in rows]


def test_the_migration_moves_every_runs_versions_and_back(store: HistoryStore) -> None:
    url = store._engine.url.render_as_string(hide_password=False)
    store.close()
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0011")
        with engine.begin() as connection:
            tenant = "INSERT INTO tenants (name, tenant_id, created_at) VALUES ('t', '', '2026-01-01')"
            connection.exec_driver_sql(tenant)
            values = [json.dumps(A), json.dumps(A), None, "null", json.dumps(A_REORDERED), json.dumps(B)]
            for n, value in enumerate(values):
                connection.execute(
                    sa.text(
                        "INSERT INTO runs (tenant, kind, status, scheduled, controls, error, started_at, host, "
                        "os_user, identity, process_key, versions) VALUES ('t', 'assess', 'completed', false, "
                        "'[]', '', :at, '', '', '', '', :versions)"
                    ),
                    {"at": f"2026-01-0{n + 1} 00:00:00", "versions": value},
                )
        before = _raw(url)
        assert [is_null for _, is_null, _ in before] == [False, False, True, False, False, False]
        migrate(engine)
        with HistoryStore.open(url) as upgraded:
            assert _count(upgraded, "run_versions") == 4  # A, A reordered, B and the JSON null
            runs = upgraded.runs_by_id([i for i, _, _ in before])
            read = [runs[i].versions for i, _, _ in before]
            assert read == [A, A, None, None, A_REORDERED, B]
            assert list(read[4] or {}) == list(A_REORDERED)
            run_id = upgraded.start_run("t", "assess", controls=[C])
            upgraded.record_run(run_id, [], versions=A)
            assert _count(upgraded, "run_versions") == 4  # the migration's digest is the writer's
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0011")
        after = _raw(url)
        assert after[: len(before)] == before  # NULL, JSON null and every map's text as they were
        assert json.loads(after[-1][2]) == A
        migrate(engine)
    finally:
        engine.dispose()
