"""Opening the history database: where it lives, how SQLite is tuned, and migrating on open.

Alembic migrations are the only way the schema is made or changed. :func:`open_engine` upgrades
the database to the newest revision this code ships and refuses one that was migrated by a newer
scorekeeper, because writing through an older schema would silently drop what the newer one
records.

SQLite is set up for several processes at once (the scheduler daemon, the CLI and the TUI may all
write the same file): WAL so readers never block the writer, a generous ``busy_timeout`` so a
writer waits for another instead of failing with ``database is locked``, and write transactions
that start with ``BEGIN IMMEDIATE`` so the write lock is taken up front — a deferred transaction
that reads first and then tries to write can fail at once under WAL, without waiting.

A history file that exists but holds no SQLite database — 0 bytes, another kind of file, not
readable — is refused (:func:`prepare_sqlite_file`) rather than silently started over as a new,
empty history; a missing file is created on first use, as a new database that appears only whole.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from scorekeeper.store import lockwait
from scorekeeper.store.migrationsafety import foreign_keys_off
from scorekeeper.store.records import StoreError
from scorekeeper.util.private import private_dir

if TYPE_CHECKING:
    from alembic.config import Config

#: Seconds a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 30
#: Execution option that makes a transaction start with ``BEGIN IMMEDIATE`` on SQLite.
WRITE_OPTION = "scorekeeper_write"
DEFAULT_FILENAME = "history.db"


def default_path() -> Path:
    """``history.db`` in the data directory: ``$SCOREKEEPER_DATA_DIR``, else the per-user one.

    The same directory the config module uses for the demo tenant's state and token caches.
    """
    from scorekeeper.config.model import default_data_dir

    return default_data_dir() / DEFAULT_FILENAME


def resolve_url(url_or_path: str | Path | None, *, create_parent: bool = True) -> str:
    """Turn ``None``, a filesystem path or an SQLAlchemy URL into an SQLAlchemy URL.

    Anything containing ``://`` is taken as a URL (``sqlite:///...``, ``postgresql+psycopg://...``);
    everything else is a path, with ``~`` expanded. With ``create_parent`` (the default), an SQLite
    file is made ready for use (:func:`prepare_sqlite_file`): one that does not exist yet is created
    as a new, empty database with mode 0600 (its folder 0700) so that a first run on a fresh machine
    just works and history is readable by its owner only; one that exists but holds no SQLite
    database (0 bytes, another kind of file, unreadable) is refused with :class:`StoreError`.
    """
    if url_or_path is not None and "://" in str(url_or_path):
        url = make_url(str(url_or_path))
        database = url.database if url.get_backend_name() == "sqlite" else None
        if create_parent and database and database != ":memory:" and not database.startswith("file:"):
            prepare_sqlite_file(Path(database).expanduser())
        return url.render_as_string(hide_password=False)
    path = default_path() if url_or_path is None or str(url_or_path) == "" else Path(url_or_path).expanduser()
    if create_parent:
        prepare_sqlite_file(path)  # owner-only, and so are the -wal/-shm files SQLite makes beside it
    return f"sqlite:///{path.resolve() if create_parent else path}"


#: The first 16 bytes of every SQLite database file (https://www.sqlite.org/fileformat.html).
SQLITE_HEADER = b"SQLite format 3\x00"


def prepare_sqlite_file(path: Path) -> None:
    """Create a missing history file as a new SQLite database; refuse an existing file that is not one.

    SQLite takes a 0-byte file (or a missing one) for a new, empty database, so a history truncated
    by a full disk or a mistaken copy would silently become a new history, and the before-values
    rollback needs would be gone without a word. A missing file is therefore created whole — an
    empty database with its header written, mode 0600, linked into place only once complete — so
    that a 0-byte file is never one scorekeeper just made (not even for a process opening the same
    new file at the same moment), and an existing file that is empty, not an SQLite database or not
    readable is refused with one line naming it and what to do.
    """
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        _create_sqlite_file(path)
        return
    except IsADirectoryError:
        raise StoreError(
            f"the history database {path} is a folder, not a file; point --db at a file (say {path / DEFAULT_FILENAME})"
        ) from None
    except OSError as exc:
        raise StoreError(
            f"cannot read the history database {path}: {exc.strerror or exc}; give this account read and write "
            "access to it, or point --db at another file"
        ) from exc
    if not head:
        raise StoreError(
            f"the history database {path} is an empty file (0 bytes), not a history; scorekeeper will not start a "
            "new history over it: restore the file from a backup, or delete it to start a new, empty history"
        )
    if head != SQLITE_HEADER:
        raise StoreError(
            f"the history database {path} is not an SQLite database; scorekeeper will not start a new history over "
            "it: check that --db, SCOREKEEPER_DB or [scorekeeper] db names the history file, or restore it from "
            "a backup"
        )


def _create_sqlite_file(path: Path) -> None:
    """A new, empty SQLite database at ``path`` (mode 0600, folders 0700), which appears only whole."""
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)  # mode 0600
    os.close(fd)
    new = Path(name)
    try:
        raw = sqlite3.connect(new)
        try:
            raw.execute("PRAGMA journal_mode = WAL")  # writes the header page; the store uses WAL anyway
        finally:
            raw.close()
        try:
            os.link(new, path)  # atomic, and never replaces a file another process made meanwhile
        except FileExistsError:
            pass  # another process created it first: theirs is used
        except OSError:  # a file system without hard links: create exclusively and copy
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "wb") as file:
                file.write(new.read_bytes())
    finally:
        new.unlink(missing_ok=True)


def safe_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def create_store_engine(url: str) -> Engine:
    """An engine with scorekeeper's connection settings; the schema is not touched."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        # One in-memory database is one connection; a file gets a small pool per process.
        poolclass=StaticPool if memory else None,
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, connection_record: Any) -> None:
    """Per-connection pragmas; the driver is put in autocommit so that we emit BEGIN ourselves."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    """Start writes with the write lock held (see the module docstring); reads stay deferred.

    ``BEGIN`` goes straight to the driver (every history transaction pays SQLAlchemy's statement
    layer otherwise), its errors raised as SQLAlchemy's, as a statement's would be.
    """
    driver: sqlite3.Connection = connection.connection.dbapi_connection  # type: ignore[assignment]

    def execute(statement: str) -> None:
        try:
            driver.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    if connection.get_execution_options().get(WRITE_OPTION, False):

        def set_busy_timeout(ms: int) -> None:
            driver.execute(f"PRAGMA busy_timeout = {ms}")

        lockwait.begin_immediate(execute, set_busy_timeout, BUSY_TIMEOUT_SECONDS * 1000)
    else:
        execute("BEGIN")


def script_location() -> Path:
    """Where the migration scripts are: inside an installed wheel, else the repository's ``alembic/``."""
    package_dir = Path(__file__).resolve().parent.parent
    packaged = package_dir / "_migrations"
    if packaged.is_dir():
        return packaged
    return package_dir.parent / "alembic"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code, independent of the working directory and ``alembic.ini``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that holds the database's write lock, for migrating.

    On SQLite, foreign keys are switched off for the duration (a batch migration rebuilds tables
    by drop-and-rename, which would otherwise cascade deletes) and checked before committing
    (:func:`scorekeeper.store.migrationsafety.foreign_keys_off`). A second process opening the
    same file waits here until the first has migrated.
    """
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with foreign_keys_off(connection):
            yield connection


#: The newest migration in ``alembic/versions`` (a test keeps the two equal). A database already
#: there is opened without importing Alembic, which costs more than the rest of a CLI command.
SCHEMA_HEAD = "0013"


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    except Exception:  # no table yet, or not readable: let the full path decide and explain
        return False
    return [tuple(r) for r in rows] == [(SCHEMA_HEAD,)]


def migrate(engine: Engine) -> str:
    """Upgrade the database to this code's head revision and return that revision.

    Raises :class:`StoreError` when the database carries a revision our scripts do not know — it
    was migrated by a newer scorekeeper — naming both revisions.
    """
    if _at_head(engine):
        return SCHEMA_HEAD
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from alembic import command

    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    known = {rev.revision for rev in script.walk_revisions()}
    try:
        with migration_connection(engine) as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
            unknown = sorted(current - known)
            if unknown:
                raise StoreError(
                    f"the history database is at schema revision {', '.join(unknown)}, newer than this "
                    f"scorekeeper knows (its newest is {', '.join(sorted(heads))}); upgrade scorekeeper, "
                    "or point --db at another database"
                )
            if current != heads:
                command.upgrade(alembic_config(connection), "heads")
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"could not migrate the history database {safe_url(engine.url)}: {driver_message(exc)}"
        ) from exc
    return ", ".join(sorted(heads))


def driver_message(exc: BaseException) -> str:
    """The database's own words for a failure, on one line.

    SQLAlchemy's message carries the whole SQL statement and a documentation link over a dozen
    lines; a person needs the driver's sentence (``table finding_bodies already exists``), and the
    statement is still in ``--debug``'s traceback.
    """
    from sqlalchemy.exc import DBAPIError

    source: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    return lines[0] if lines else type(source).__name__


def open_engine(url_or_path: str | Path | None = None) -> Engine:
    """Resolve, connect and migrate: the only way the application opens the database."""
    try:
        url = resolve_url(url_or_path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot create the history database or its directory: {exc}") from exc
    try:
        engine = create_store_engine(url)
    except Exception as exc:
        raise StoreError(f"cannot open the history database {safe_url(url)}: {driver_message(exc)}") from exc
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
