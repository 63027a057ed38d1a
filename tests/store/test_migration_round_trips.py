"""Every migration, down and back up, keeps every row of history: on SQLite and on PostgreSQL.

A history is filled at head the way scorekeeper fills it (``HistoryStore`` and ``ScheduleStore``:
assessments with findings, scores and drift, a remediation with its changes, its verification
and a rollback that restored one of them, attestations, the whole Secure Score with its
profiles, a writer's lease, schedules and an exception notice). Then ``alembic`` — run as an admin
runs it, ``alembic -x db=...`` with ``alembic.ini`` — takes it down one revision at a time to the
oldest revision that still has a table, and back up to head one revision at a time. At every
step, every table the database has holds every row it held at head, each equal to its row at head
on every column the two revisions share — read as the row says it: a finding's body, a score's
profiles and control map and a run's versions through the table that holds them once. Back at
head, only the columns the bottom revision did not have are lost (who ran a run below 0003, its
versions below 0007...); the pair summaries that 0009 derives come back equal. One step below the
bottom is refused with one line and changes nothing.

Five trips, each ended by a refusal: to 0013 with everything (below it ``baselines`` would go);
with the baselines deleted, to 0005 (below it ``tenant_scores`` would go); with the whole scores
deleted, to 0004 (the writer's lease); with the lease released, to 0002 (``schedules``,
``exception_notices``); with those removed too, to 0001 (runs, findings, changes,
attestations, drift...: refused below it, at base).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from alembic import command
from scorekeeper.domain.model import (
    Attestation,
    Change,
    ControlResult,
    Finding,
    Organization,
    Outcome,
    RemediationKind,
    SecureScore,
    Status,
    Verification,
)
from scorekeeper.domain.securescore import AssessedScore, Comparison, ControlScore, DailyScore
from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import SCHEMA_HEAD, alembic_config, create_store_engine, resolve_url
from scorekeeper.store.liveness import this_process
from scorekeeper.store.records import DriftEvent

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = [rev.revision for rev in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SSPR, CA = "SelfServicePasswordReset", "ConditionalAccess"
LEASE = ("contoso", "lease-token-1")

#: Tables that hold once what many rows say (a finding's body, a score's profiles and control map, a
#: run's versions): read through the rows that point at them, never compared as tables of their own.
HELD_ONCE = {"finding_bodies", "score_profiles", "score_controls", "run_versions"}
#: Columns that migrations derive from the rest of history (0009): they must come back equal.
DERIVED = {"latest_results": {"counts", "trend", "trend_at", "score", "max_score"}}


# --------------------------------------------------------------------------- a realistic history
def _results(day: int) -> list[ControlResult]:
    sspr = (
        Finding(
            SSPR,
            "enablement",
            Status.PASS if day == 0 else Status.FAIL,
            current=["none", "all"][day % 2],
            desired="all",
            title="SSPR for everyone",
            reason=f"day {day}: «{day}»",
            evidence={"policy": {"enabled": bool(day % 2), "groups": [f"g{day}", "g-all"]}},
        ),
        Finding(
            SSPR,
            "methods",
            Status.FAIL,
            current={"count": 1, "kinds": ["sms"]},
            desired={"count": 2},
            missing_permissions=("Policy.Read.All",) if day == 2 else (),
        ),
        Finding(
            SSPR,
            "notify",
            Status.MANUAL,
            remediation=RemediationKind.GUIDED,
            steps=("Open Entra", "Turn on notifications"),
            excepted="accepted until 2027-01-01" if day else "",
        ),
        Finding(SSPR, "portal", Status.UNKNOWN, current=None, desired=None, reason="portal sign-in missing"),
    )
    ca = (
        Finding(CA, "mfa-admins", Status.PASS, current=True, desired=True),
        Finding(
            CA,
            "legacy-auth",
            Status.ERROR if day == 1 else Status.FAIL,
            current=1.5,
            desired=0,
            reason="Graph 503" if day == 1 else "",
        ),
    )
    return [
        ControlResult(
            SSPR, "Self-service password reset", sspr, score=SecureScore(SSPR, 3.0 - day, 8.0, T0 + timedelta(days=day))
        ),
        ControlResult(CA, "Conditional Access", ca, score=SecureScore(CA, None if day == 1 else 4.0, 9.0)),
    ]


def _score(day: int) -> AssessedScore:
    today = DailyScore(
        scored_at=T0 + timedelta(days=day),
        current=50.0 - 10 * day,
        max_score=100.0,
        comparisons=(Comparison("AllTenants", 40.0 + day),),
        controls={SSPR: 3.0 - day, CA: 4.0} if day < 2 else {},
    )
    profiles = (ControlScore(CA, "Require MFA", "Identity", "AzureAD", 4.0, 9.0),) if day != 1 else ()
    older = tuple(DailyScore(scored_at=T0 - timedelta(days=d), current=40.0 + d, max_score=100.0) for d in (1, 2))
    return AssessedScore(today, profiles, older if day == 0 else ())


def _populate(url: str) -> None:
    with HistoryStore.open(url) as store:
        schedules = ScheduleStore(store)
        fixes: dict[str, int] = {}
        for tenant in ("contoso", "fabrikam"):
            for day in range(3):
                run = store.start_run(tenant, "assess", controls=[SSPR, CA], scheduled=day == 1)
                store.record_run(
                    run,
                    _results(day),
                    detect_drift=True,
                    versions={"scorekeeper": f"1.{day}", "scorekeeper-sspr": "0.3"} if day else None,
                    organization=(
                        Organization(f"{tenant.title()} Ltd", f"{tenant}.example")
                        if day != 1
                        else Organization(unread="missing Organization.Read.All")
                    ),
                    identity="app 11111111-2222-3333-4444-555555555555" if day else "",
                    tenant_id=f"{tenant}-directory-id" if day == 0 else "",
                    tenant_score=_score(day),
                )
            fix = fixes[tenant] = store.start_run(tenant, "remediate", controls=[SSPR])
            ids = []
            for setting, before, after, outcome in (
                ("enablement", "none", "all", Outcome.APPLIED),
                ("methods", {"count": 1, "kinds": ["sms"]}, {"count": 2, "kinds": ["sms", "app"]}, Outcome.AMBIGUOUS),
                ("policy", None, {"id": "p-1", "state": "enabled"}, Outcome.FAILED),
            ):
                change = Change(
                    setting,
                    before,
                    after,
                    outcome,
                    resource={"type": "policy", "id": f"{tenant}-{setting}"},
                    created=before is None,
                    error="HTTP 503" if outcome is Outcome.FAILED else "",
                )
                ids.append(store.change_started(fix, SSPR, change))
                store.change_finished(replace(change, id=ids[-1]))
            # Its verification read "enablement" back as written: a drift baseline (0013).
            stuck = Finding(SSPR, "enablement", Status.PASS, "all", "all", verification=Verification.STUCK)
            store.record_run(fix, [ControlResult(SSPR, "Self-service password reset", (stuck,))])
            verify = store.start_run(tenant, "verify", controls=[SSPR], parent_run_id=fix)
            store.record_run(verify, _results(0)[:1])
            back = store.start_run(tenant, "rollback", controls=[SSPR], parent_run_id=fix)
            store.mark_rolled_back(ids[:1], back)
            store.finish_run(back, "failed", error="could not restore fabrikam-methods")
            store.record_attestation(
                Attestation(
                    tenant,
                    SSPR,
                    "notify",
                    by="alice@contoso.example",
                    note="done by hand ✓",
                    at=T0 + timedelta(hours=3),
                )
            )
        store.record_drift(
            DriftEvent("fabrikam", CA, "score_dropped", fixes["fabrikam"], None, detail={"before": 4.0, "after": 1.0})
        )
        stopped = store.start_run("fabrikam", "plan", controls=[CA])
        store.finish_run(stopped, "interrupted", error="interrupted by SIGTERM")
        store.record_tenant_scores("fabrikam", [DailyScore(T0 - timedelta(days=9), 12.5, 90.0)], source="imported")
        assert store.leases.try_acquire(LEASE[0], LEASE[1], "remediate", this_process(), 10.0).acquired
        assert store.leases.attach_run(*LEASE, fixes["contoso"])
        daily = schedules.add("contoso", cron="0 6 * * *", timezone="Europe/Amsterdam", now=T0)
        hourly = schedules.add("fabrikam", control=SSPR, interval_seconds=3600, remediate=True, now=T0)
        schedules.record_fire(daily.id, status="completed", run_id=fixes["contoso"], at=T0 + timedelta(days=1))
        schedules.record_fire(hourly.id, status="failed", problem="tenant throttled", at=T0 + timedelta(hours=1))
        schedules.set_next_runs({daily.id: T0 + timedelta(days=2), hourly.id: None})
        schedules.set_paused(hourly.id, True)
        assert schedules.claim_exception_notice("contoso", SSPR, "notify", date(2027, 1, 1))


# --------------------------------------------------------------------------- reading it back
def _tables(connection: sa.Connection) -> list[str]:
    return sorted(t for t in sa.inspect(connection).get_table_names() if t != "alembic_version")


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: connection.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one()
            for t in _tables(connection)
        }


def _revision(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one())


_SCHEMAS: dict[tuple[str, str], sa.MetaData] = {}


class Table:
    """One table's columns and rows (in primary-key order), as its rows say them."""

    def __init__(self, columns: set[str], rows: list[dict[str, Any]]) -> None:
        self.columns, self.rows = columns, rows

    def project(self, columns: set[str]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k in columns} for row in self.rows]


def _contents(engine: sa.Engine) -> dict[str, Table]:
    """Every table, as its rows say it: a part held once in another table is read through it."""
    revision = _revision(engine)
    metadata = _SCHEMAS.get((str(engine.url), revision))
    with engine.connect() as connection:
        if metadata is None:  # reflected once per revision: the same revision has the same schema
            metadata = _SCHEMAS[(str(engine.url), revision)] = sa.MetaData()
            metadata.reflect(connection)
        raw: dict[str, list[dict[str, Any]]] = {}
        for name, table in metadata.tables.items():
            if name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            raw[name] = [dict(r._mapping) for r in connection.execute(sa.select(table).order_by(*order))]

    bodies, profiles, maps, versions = (
        {r["id"]: r for r in raw.get(t, [])}
        for t in ("finding_bodies", "score_profiles", "score_controls", "run_versions")
    )
    bodies_columns = (
        {c.name for c in metadata.tables["finding_bodies"].columns} - {"id", "digest"}
        if "finding_bodies" in metadata.tables
        else set()
    )
    out: dict[str, Table] = {}
    for name, rows in raw.items():
        if name in HELD_ONCE:
            continue
        columns = {c.name for c in metadata.tables[name].columns}
        for held_id, held_column in (
            ("body_id", None),
            ("profiles_id", "profiles"),
            ("controls_id", "controls"),
            ("versions_id", "versions"),
        ):
            if held_id in columns:
                columns.discard(held_id)
                columns |= {held_column} if held_column else set(bodies_columns)
        resolved = []
        for row in rows:
            row = dict(row)
            if name == "findings" and "body_id" in row:
                body = bodies[row.pop("body_id")]
                row.update({k: v for k, v in body.items() if k not in ("id", "digest")})
            if name == "tenant_scores":
                if "profiles_id" in row:
                    pid = row.pop("profiles_id")
                    row["profiles"] = profiles[pid]["profiles"] if pid is not None else []
                if "controls_id" in row:
                    cid = row.pop("controls_id")
                    row["controls"] = maps[cid]["controls"] if cid is not None else {}
            if name == "runs" and "versions_id" in row:
                vid = row.pop("versions_id")
                row["versions"] = versions[vid]["versions"] if vid is not None else None
            resolved.append(row)
        out[name] = Table(columns, resolved)
    return out


# --------------------------------------------------------------------------- alembic, as typed by hand
def _alembic(url: str) -> Config:
    """``alembic -x db=URL`` from the repository root: ``alembic.ini``, ``env.py``'s own connection."""
    return Config(str(ROOT / "alembic.ini"), cmd_opts=argparse.Namespace(x=[f"db={url}"]))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (a PostgreSQL database is made for the test and dropped after it)."""
    if request.param == "sqlite":
        yield resolve_url(tmp_path / "history.db")
        return
    server = request.getfixturevalue("postgres_server")
    created = server.create_database()
    try:
        yield created
    finally:
        server.drop_database(sa.make_url(created).database)


def _same_rows(now: dict[str, Table], before: dict[str, Table], columns: dict[str, set[str]], where: str) -> int:
    """Every table of ``now`` holds the rows it held ``before``, equal on ``columns`` (or all they share)."""
    compared = 0
    for name, table in now.items():
        shared = columns.get(name, table.columns) & table.columns & before[name].columns
        assert len(table.rows) == len(before[name].rows), f"{name} {where}"
        assert table.project(shared) == before[name].project(shared), f"{name} {where}"
        compared += len(table.rows) * len(shared)
    return compared


def _trip(url: str, engine: sa.Engine, bottom: str, refusal: str, log: list[str]) -> None:
    """Head down to ``bottom`` and back, one revision at a time, comparing every row at every step.

    One step below ``bottom`` must be refused with a line containing ``refusal``, changing nothing.
    """
    backend = engine.dialect.name
    before = _contents(engine)
    head = REVISIONS.index(SCHEMA_HEAD)
    for target in REVISIONS[REVISIONS.index(bottom) : head][::-1]:
        started = time.perf_counter()
        command.downgrade(_alembic(url), target)
        elapsed = time.perf_counter() - started
        assert _revision(engine) == target
        now = _contents(engine)
        values = _same_rows(now, before, {}, f"down at {target}")
        rows = sum(len(t.rows) for t in now.values())
        log.append(
            f"{backend} down to {target}: {rows} rows in {len(now)} tables kept ({values} values equal), "
            f"{elapsed:.2f} s"
        )

    below = REVISIONS[REVISIONS.index(bottom) - 1] if REVISIONS.index(bottom) else "base"
    with pytest.raises(CommandError) as caught:
        command.downgrade(_alembic(url), below)
    assert "refusing to downgrade below" in str(caught.value) and refusal in str(caught.value)
    assert "\n" not in str(caught.value)
    assert _revision(engine) == bottom
    _same_rows(_contents(engine), before, {}, f"after the refused downgrade to {below}")
    log.append(f"{backend} down to {below}: refused ({refusal})")

    # Back up, every row must equal its row at head on what the bottom kept (and on what 0009 derives).
    # Tables that hold parts once are made again from their rows; not compared as tables of their own.
    kept = {name: table.columns | DERIVED.get(name, set()) for name, table in _contents(engine).items()}
    for target in REVISIONS[REVISIONS.index(bottom) + 1 : head + 1]:
        started = time.perf_counter()
        command.upgrade(_alembic(url), target)
        elapsed = time.perf_counter() - started
        now = _contents(engine)
        values = _same_rows({n: t for n, t in now.items() if n in kept}, before, kept, f"up at {target}")
        rows = sum(len(t.rows) for t in now.values())
        log.append(
            f"{backend} up to {target}: {rows} rows in {len(now)} tables kept ({values} values equal), {elapsed:.2f} s"
        )
    after = _contents(engine)
    assert set(after) == set(before)
    for name in sorted(before):
        lost = sorted(before[name].columns - kept.get(name, before[name].columns))
        if lost and before[name].rows:
            log.append(f"{backend} {name} after {bottom} and back: only these columns lost: {', '.join(lost)}")


def test_every_migration_down_and_up_keeps_every_row(url: str) -> None:
    started = time.perf_counter()
    _populate(url)
    engine = create_store_engine(url)
    log: list[str] = []
    try:
        counts = _counts(engine)
        assert counts["runs"] == 13 and counts["findings"] == 46 and counts["changes"] == 6
        assert counts["baselines"] == 4  # a verified write and an accepted exception per tenant
        assert counts["attestations"] == 2 and counts["schedules"] == 2 and counts["tenant_leases"] == 1
        assert counts["tenant_scores"] > 0 and counts["drift_events"] > 0 and counts["exception_notices"] == 1

        _trip(url, engine, "0013", "4 rows in baselines", log)

        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM baselines"))
        _trip(url, engine, "0005", "in tenant_scores", log)

        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM tenant_scores"))
        _trip(url, engine, "0004", "1 row in tenant_leases", log)
        with HistoryStore.open(url) as store:
            store.leases.release(*LEASE)
        _trip(url, engine, "0002", "2 rows in schedules, 1 row in exception_notices", log)

        with HistoryStore.open(url) as store:
            schedules = ScheduleStore(store)
            for schedule in schedules.list():
                schedules.remove(schedule.id)
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM exception_notices"))
        _trip(url, engine, "0001", "13 rows in runs", log)
    finally:
        engine.dispose()
    print("\n".join([*log, f"{url.split(':')[0]}: {time.perf_counter() - started:.1f} s in all"]))  # with -s
