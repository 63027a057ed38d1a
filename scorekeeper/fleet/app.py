"""The procrastinate app over the history database, and the deliberate way its schema gets there.

The jobs live in the same PostgreSQL database as the history (one thing to back up, one URL for
workers). procrastinate's tables are procrastinate's: they are applied by
``scorekeeper fleet init`` — a command an operator runs once, on purpose — through
procrastinate's own schema manager, not by an Alembic migration of ours. Why:

- their schema is versioned by procrastinate with its own upgrade scripts (shipped in the
  package, ``procrastinate schema --migrations-path``); copying a snapshot into our migration
  chain would freeze it and make every procrastinate upgrade a scorekeeper migration;
- a SQLite history never needs them, and the test that our models equal our migrations stays
  about our tables;
- opening the history never creates queue tables behind an operator's back: a worker or
  ``--queue`` on a database without them stops with one line saying to run ``fleet init``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import FleetError as FleetError

if TYPE_CHECKING:
    import procrastinate


def conninfo(url: str) -> str:
    """The libpq connection string for an SQLAlchemy ``postgresql+psycopg://`` URL; refuses SQLite."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise FleetError(
            f"the fleet queue needs a PostgreSQL history (postgresql+psycopg://...), not {parsed.get_backend_name()}:"
            " set [scorekeeper] db, $SCOREKEEPER_DB or --db"
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(url: str) -> procrastinate.App:
    """A procrastinate app (not yet opened) whose jobs live in the history database at ``url``."""
    try:
        import procrastinate
    except ImportError:  # pragma: no cover - the fleet extra is part of dev
        raise FleetError("the fleet needs the fleet extra: pip install 'scorekeeper-m365[fleet]'") from None
    from scorekeeper.fleet.tasks import register

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    register(app)
    return app


async def schema_present(app: procrastinate.App) -> bool:
    """True when procrastinate's tables exist in the database."""
    row = await app.connector.execute_query_one_async("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS ok")
    return bool(row["ok"])


async def require_schema(app: procrastinate.App) -> None:
    if not await schema_present(app):
        raise FleetError("the history database has no job queue yet: run `scorekeeper fleet init` once")


async def apply_schema(app: procrastinate.App) -> bool:
    """Apply procrastinate's schema unless it is there; True when it was applied now."""
    if await schema_present(app):
        return False
    await app.schema_manager.apply_schema_async()
    return True


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("procrastinate")


def open_app(url: str) -> Any:
    """``async with open_app(url) as app:`` — an opened app (connection pool) over the history."""
    return make_app(url).open_async()
