"""A throwaway PostgreSQL server on loopback, for the test suite and the benchmarks.

``make test`` runs the history, engine, scheduler and fleet tests against a real PostgreSQL as
well as SQLite, on a fresh machine with nothing set up: :func:`find_binaries` installs Debian's
``postgresql`` package when it is missing (``apt-get install -y postgresql``, as root), and
:class:`PostgresServer` runs ``initdb`` in a temporary folder and starts the server itself on
127.0.0.1 and a free port — no system service, no cluster of the distribution's, nothing left
behind after :meth:`PostgresServer.stop`.

PostgreSQL refuses to run as root, so as root both ``initdb`` and ``pg_ctl`` run as the
``postgres`` user the package creates (``runuser -u postgres --``), in a folder that user owns.
The server is tuned for throwaway data (``fsync``, ``synchronous_commit`` and
``full_page_writes`` off): a crash loses it, which is fine for tests and changes nothing the
tests observe about transactions and locks.

Reuse (tests and ``benchmarks/``)::

    from tests.support.pgserver import PostgresServer

    with PostgresServer() as server:
        url = server.create_database("bench")   # postgresql+psycopg://...@127.0.0.1:PORT/bench

:meth:`PostgresServer.clone_database` copies a migrated template in milliseconds, which is how
the test fixtures give each test a fresh database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

#: The superuser ``initdb`` creates; connections on loopback are trusted (a throwaway server).
SUPERUSER = "scorekeeper"
_OS_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be installed or started; the message says what to do."""


def _binaries_dir() -> Path | None:
    env = os.environ.get("SCOREKEEPER_PG_BIN")
    candidates = [Path(env)] if env else sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def find_binaries(*, install: bool = True) -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (or ``$SCOREKEEPER_PG_BIN``), installing if needed.

    Installing needs root and a reachable Debian mirror; anything else is a
    :class:`PostgresUnavailable` that says how to install it by hand.
    """
    found = _binaries_dir()
    if found is not None or not install:
        if found is None:
            raise PostgresUnavailable("PostgreSQL is not installed (apt-get install -y postgresql)")
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailable(
            "PostgreSQL is not installed and this is not a root Debian machine: install the postgresql "
            "package, or set SCOREKEEPER_PG_BIN to a folder holding initdb and pg_ctl"
        )
    # `make test` runs pytest-xdist workers, each starting its own server: on a fresh machine they
    # would all run apt-get at once, and all but one would fail on dpkg's lock. One installs; the
    # others wait here, then find the binaries it installed.
    with _install_lock():
        found = _binaries_dir()
        return found if found is not None else _apt_install()


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """Hold an exclusive lock, across processes, on a file in the temporary folder."""
    with (Path(tempfile.gettempdir()) / "scorekeeper-pg-install.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt_install() -> Path:
    """``apt-get install -y postgresql`` (after ``apt-get update`` when the first try fails); its bin folder."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "install", "-y", "-q", "postgresql"], None):
        if command is None:  # the package lists may be missing or stale on a fresh machine
            subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
            command = ["apt-get", "install", "-y", "-q", "postgresql"]
        done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
        found = _binaries_dir()
        if done.returncode == 0 and found is not None:
            return found
    raise PostgresUnavailable(f"apt-get install -y postgresql failed: {done.stderr.strip()[-500:]}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder, on 127.0.0.1 and a free port.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``url`` is an SQLAlchemy
    URL (``postgresql+psycopg://``) of the ``postgres`` database; :meth:`create_database` and
    :meth:`clone_database` make others.
    """

    def __init__(self, *, install: bool = True) -> None:
        self.install = install
        self.port = 0
        self.root: Path | None = None
        self.bin: Path | None = None
        self._as_postgres = os.geteuid() == 0

    # ----------------------------------------------------------------- life cycle
    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self._as_postgres:
            command = ["runuser", "-u", _OS_USER, "--", *command]
        return subprocess.run(command, check=False, capture_output=True, text=True, cwd="/")

    def start(self) -> None:
        """initdb, then start and wait until the server accepts connections."""
        self.bin = find_binaries(install=self.install)
        self.root = Path(tempfile.mkdtemp(prefix="scorekeeper-pg-"))
        data, sockets = self.root / "data", self.root / "run"
        sockets.mkdir()
        if self._as_postgres:
            shutil.chown(self.root, _OS_USER)
            shutil.chown(sockets, _OS_USER)
        made = self._run(
            self.bin / "initdb", "-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"
        )
        if made.returncode != 0:
            self.stop()
            raise PostgresUnavailable(f"initdb failed: {made.stderr.strip()[-500:]}")
        for _attempt in range(3):  # a free port can be taken between probing and listening
            self.port = free_port()
            options = (
                f"-h 127.0.0.1 -p {self.port} -k {sockets} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200"
            )
            started = self._run(
                self.bin / "pg_ctl",
                "-D",
                data,
                "-l",
                self.root / "server.log",
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            if started.returncode == 0:
                return
        log = (self.root / "server.log").read_text(errors="replace")[-800:] if self.root else ""
        self.stop()
        raise PostgresUnavailable(f"PostgreSQL did not start: {started.stderr.strip()} {log}".strip())

    def stop(self) -> None:
        """Stop the server (at once: the data is thrown away) and delete its folder."""
        if self.root is None:
            return
        if self.bin is not None and (self.root / "data" / "postmaster.pid").exists():
            self._run(self.bin / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # ----------------------------------------------------------------- databases
    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq connection string (what psycopg and procrastinate take directly)."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (``CREATE DATABASE`` needs that)."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its SQLAlchemy URL."""
        name = name or f"db_{uuid.uuid4().hex[:12]}"
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url_of(name)

    def clone_database(self, template: str) -> str:
        """A fresh copy of ``template`` (no one may be connected to it while it is copied)."""
        return self.create_database(template=template)

    def empty_database(self, name: str) -> None:
        """Delete every row of every table in ``name`` except ``alembic_version``, and restart its sequences.

        Far cheaper than copying a template (milliseconds against a checkpoint): the fixtures
        migrate one database per session and empty it before each test. Foreign keys are not
        checked while it empties (``session_replication_role = replica``), so the order of the
        tables does not matter and new tables need no mention here.
        """
        import psycopg

        with psycopg.connect(self.conninfo(name), autocommit=True) as connection:
            schema = "schemaname = current_schema()"
            tables = [
                r[0]
                for r in connection.execute(
                    f"SELECT tablename FROM pg_tables WHERE {schema} AND tablename <> 'alembic_version'"  # type: ignore[arg-type]
                )
            ]
            sequences = [r[0] for r in connection.execute(f"SELECT sequencename FROM pg_sequences WHERE {schema}")]  # type: ignore[arg-type]
            statements = ["SET lock_timeout = '10s'", "SET session_replication_role = replica"]
            statements += [f'DELETE FROM "{t}"' for t in tables]
            statements += [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
            with connection.transaction():
                for statement in statements:
                    connection.execute(statement)  # type: ignore[arg-type]

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
