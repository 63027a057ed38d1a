"""``HistoryStore``: the reads and writes the engine, CLI, TUI and scheduler make against history.

A thin facade: the methods live with what they store, one mixin each over the shared engines
and transactions of ``transactions.py`` —

* ``runs.py`` — a run's life: started, who acted, finished, found dead; tenant directory ids
* ``results.py`` — what a run found: per control, or the whole run in one transaction
* ``runreads.py`` — runs read back: one run, lists and pages, many runs at once for reports
* ``changes.py`` — the writes a run made, before-values first (what rollback restores)
* ``attestations.py`` — a person's word that a guided setting is done
* ``scores.py`` — each control's score history and the overview of every tenant × control
* ``wholescore.py`` — the tenant's whole Secure Score per day
* ``driftevents.py`` — drift events, recorded and detected
* ``baselines.py`` — each setting's baseline, the value drift is judged against
* ``upkeep.py`` — pruning by retention, rebuilding the latest pointers

Every public method is one short transaction, so that several processes can share one SQLite
file: writes take the write lock up front (``BEGIN IMMEDIATE``, see ``db.py``) and release it on
return; nothing holds a transaction open across an ``await`` or a network call. The one rule the
engine relies on most: :meth:`HistoryStore.change_started` has committed the before-value by the
time it returns, before the plugin writes to the tenant; so has :meth:`HistoryStore.start_run`
the run it opens.

One method records several runs in one transaction: :meth:`HistoryStore.record_runs`, a group
commit of a fleet's *assessment results* (``loopwrites.HistoryWrites.record_in_group`` gathers
the tenants finishing in one loop turn). Nothing that precedes a tenant write ever waits in a
group — not a before-value, not a run's start — so the safety order is that of one transaction
per call. A crash before a group commits loses those results only; their runs stay ``running``
and :meth:`HistoryStore.interrupt_stale_runs` closes them as ``interrupted``, never completed.
The write path's statements are prepared once per backend and sent to the driver
(``prepared.py``), on a bare connection rather than a ``Session``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from scorekeeper.store import db
from scorekeeper.store.attestations import AttestationHistory
from scorekeeper.store.baselines import BaselineHistory
from scorekeeper.store.changes import ChangeHistory
from scorekeeper.store.driftevents import DriftHistory
from scorekeeper.store.leases import LeaseTable
from scorekeeper.store.results import ResultHistory
from scorekeeper.store.runreads import RunReads
from scorekeeper.store.runs import RunHistory
from scorekeeper.store.scores import ScoreHistory
from scorekeeper.store.upkeep import Upkeep
from scorekeeper.store.wholescore import WholeScoreHistory


def _now() -> datetime:
    """The store's clock; every part reads it through :meth:`HistoryStore._clock`, so patching this name takes."""
    return datetime.now(UTC)


class HistoryStore(
    RunHistory,
    ResultHistory,
    RunReads,
    ChangeHistory,
    AttestationHistory,
    ScoreHistory,
    WholeScoreHistory,
    DriftHistory,
    BaselineHistory,
    Upkeep,
):
    """The history database. Open with :meth:`open`; safe to share between threads of one process."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already at head; use :meth:`open` unless you migrated yourself."""
        super().__init__(engine)
        self.leases = LeaseTable(self)

    @classmethod
    def open(cls, url_or_path: str | Path | None = None) -> HistoryStore:
        """Open (and migrate) the database at ``url_or_path``: ``None`` for the default file, a path or a URL.

        Raises :class:`StoreError` when the database cannot be opened or was migrated by a newer
        scorekeeper.
        """
        return cls(db.open_engine(url_or_path))

    @property
    def url(self) -> str:
        """Where this store is, with any password masked."""
        return db.safe_url(self._engine.url)

    @property
    def one_writer_at_a_time(self) -> bool:
        """True on SQLite, whose write lock covers the whole database (see ``store/loopwrites.py``)."""
        return self._engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Release every pooled connection (SQLite checkpoints the WAL when the last one closes)."""
        self.heartbeat.close()
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _clock(self) -> datetime:
        """Stamp rows with this module's ``_now``, looked up at each call: a test's patched clock reaches every part."""
        return _now()


__all__ = ["HistoryStore"]
