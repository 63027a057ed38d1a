"""What keeps history whole while Alembic changes the schema: ``alembic/env.py`` and the migrations use it.

A migration can lose history in two ways, and each is closed here.

**A table rebuild on SQLite that cascades.** SQLite alters most things by "move and copy"
(Alembic's batch mode): copy the table, drop the old one, rename the copy. With
``PRAGMA foreign_keys`` on, dropping ``runs`` deletes every finding, change, control result and
drift event of every run (``ON DELETE CASCADE``) and empties every ``SET NULL`` link (a change's
rollback run, a schedule's last run). Alembic's documentation ("Running Batch Migrations for
SQLite", *Dealing with Referencing Foreign Keys*) and SQLite's (``ALTER TABLE``, *Making Other
Kinds Of Table Schema Changes*) give the remedy: switch foreign keys off — outside any
transaction, where the pragma is silently ignored — do the work in one transaction, run
``PRAGMA foreign_key_check`` before committing, and switch them on again. :func:`foreign_keys_off`
is that procedure; ``env.py`` runs every online migration inside :func:`history_kept`, which uses
it, so it holds for ``alembic upgrade``/``downgrade`` typed by hand as it does for migrate-on-open.
A caller that hands ``env.py`` a connection already inside a transaction with foreign keys on
(the pragma cannot change there) gets :func:`refusing_cascades` instead: a ``DROP TABLE`` that
would delete or unlink rows of another table is refused before it runs, and the caller's
transaction rolls back.

**A downgrade that drops a table holding rows.** A revision older than a table has nowhere to
keep its rows. Where a downgrade only loses a column (a fact the older schema did not record),
every row stays and only that column goes; where it would have to delete rows, the migration calls
:func:`refuse_dropping_rows` and stops with one line saying so. Tables whose rows are only another
form of rows that stay (finding bodies, score profiles, control-score maps, version maps) are
copied back onto those rows first and need no refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection

from scorekeeper.errors import StoreError

_DROP_TABLE = re.compile(r'^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?["`\[]?(\w+)["`\]]?\s*;?\s*$', re.IGNORECASE)


def _driver(connection: Connection) -> Any:
    """The DB-API connection underneath (``sqlite3.Connection``): pragmas there start no transaction."""
    return connection.connection.dbapi_connection


def sqlite_foreign_keys(connection: Connection) -> bool:
    """Whether SQLite enforces foreign keys on this connection (read without starting a transaction)."""
    return bool(_driver(connection).execute("PRAGMA foreign_keys").fetchone()[0])


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[Connection]:
    """One transaction on ``connection`` in which a table rebuild cannot cascade (SQLite), checked before commit.

    On SQLite: foreign keys off outside the transaction, the body inside it, then
    ``PRAGMA foreign_key_check`` — a migration that left a row pointing at nothing is rolled back
    with :class:`StoreError` — and foreign keys on again, whatever happened. Elsewhere (PostgreSQL
    alters tables in place and never rebuilds one) it is just the transaction.
    """
    if connection.dialect.name != "sqlite":
        with connection.begin():
            yield connection
        return
    driver = _driver(connection)
    driver.execute("PRAGMA foreign_keys = OFF")  # outside any transaction: inside one it is a no-op
    try:
        with connection.begin():
            yield connection
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                shown = ", ".join(f"{table} row {rowid} → {parent}" for table, rowid, parent, _ in problems[:5])
                raise StoreError(
                    f"the migration left {len(problems)} row(s) pointing at nothing ({shown}); "
                    "it was rolled back and nothing was changed"
                )
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


def _rows_pointing_at(driver: Any, dropped: str) -> list[tuple[str, str, int]]:
    """Rows of other tables whose foreign keys point at table ``dropped``: (table, column, count)."""
    found: list[tuple[str, str, int]] = []
    tables = [r[0] for r in driver.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    for table in tables:
        if table.lower() == dropped.lower():
            continue
        for fk in driver.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            parent, column = fk[2], fk[3]
            if parent.lower() != dropped.lower():
                continue
            count = driver.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL').fetchone()[0]
            if count:
                found.append((table, column, count))
    return found


@contextmanager
def refusing_cascades(connection: Connection) -> Iterator[None]:
    """While open, a ``DROP TABLE`` on this SQLite connection that other tables' rows point at is refused.

    For a connection whose foreign keys are on inside a transaction that is not ours: SQLite would
    delete (``CASCADE``) or unlink (``SET NULL``) those rows as the table goes, or fail on a
    ``NO ACTION`` key half-way. The statement is stopped before it runs, with one line naming the
    rows; the caller's transaction then rolls back everything the migration did.
    """
    driver = _driver(connection)

    def before(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        match = _DROP_TABLE.match(statement)
        if match is None:
            return
        hit = _rows_pointing_at(driver, match.group(1))
        if hit:
            rows = ", ".join(f"{n} in {table}.{column}" for table, column, n in hit)
            raise StoreError(
                f"refusing to drop table {match.group(1)} with SQLite foreign keys on: it would delete or unlink "
                f"the rows that point at it ({rows}); run the migration with `alembic -x db=...` or "
                "HistoryStore.open(), which switch foreign keys off for it, or switch them off on this "
                "connection before its transaction begins"
            )

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", before)


@contextmanager
def history_kept(connection: Connection) -> Iterator[None]:
    """Around one migration run on ``connection`` (``env.py``): no table rebuild can delete history.

    * not SQLite, or SQLite with foreign keys already off (``HistoryStore.open`` migrates through
      :func:`scorekeeper.store.db.migration_connection`, which is :func:`foreign_keys_off`): as is;
    * SQLite with foreign keys on and no transaction begun: :func:`foreign_keys_off`;
    * SQLite with foreign keys on inside a transaction begun by the caller: :func:`refusing_cascades`.
    """
    if connection.dialect.name != "sqlite" or not sqlite_foreign_keys(connection):
        yield
        return
    if not connection.in_transaction() and not _driver(connection).in_transaction:
        with foreign_keys_off(connection):
            yield
        return
    with refusing_cascades(connection):
        yield


def refuse_dropping_rows(
    connection: Connection, tables: Sequence[str], *, revision: str, older: str, hint: str = ""
) -> None:
    """Stop a downgrade below ``revision`` before it drops any of ``tables`` that holds rows.

    ``older`` names what is left below (the revision, or ``base``) and ``hint`` what to do instead,
    for the message. The migrations run in one transaction (``env.py``), so the refusal leaves the
    database as it was.
    """
    held = {}
    for name in tables:
        count = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        if count:
            held[name] = count
    if not held:
        return
    rows = ", ".join(f"{n} row{'s' if n != 1 else ''} in {name}" for name, n in held.items())
    hint = hint or f"Stay at {revision} or newer, or delete those rows yourself first if they may be lost"
    raise StoreError(
        f"refusing to downgrade below {revision}: {older} has no table for {rows}, so going there would delete "
        f"them; nothing was changed. {hint}"
    )
