"""Statements compiled once per backend and sent straight to the driver: the history write path's hot statements.

A fleet writes every tenant's run through about fifteen statements. Through ``Connection.execute``
each costs SQLAlchemy's per-statement work — the compiled-cache lookup, an execution context,
parameter construction, a ``CursorResult`` — which was more CPU than SQLite's own work for the
statement (``docs/performance.md``, "History writes at their floor"). A :class:`Prepared` statement
does that work once per backend: it compiles the Core statement, expands any constant ``IN`` list,
and keeps the final SQL (from :meth:`SQLCompiler.construct_expanded_state`), the order of its
parameters, each parameter's bind processor (its type's own, asked as SQLAlchemy asks it) and each
selected column's result processor. A call then binds values (through those processors, so every stored form is the
one SQLAlchemy would store: ``UTCDateTime``'s text on SQLite, JSON, booleans) and runs the driver's
``execute``/``executemany`` on the connection's own DBAPI connection, inside the caller's
transaction.

The statements stay ordinary Core constructs (tables and columns from the models), so a schema
change reaches them as it reaches every other statement. What they must not use: Python-side
column defaults (an insert names every column it fills; compiling one that would need a default
fails at first use) and parameters that SQLAlchemy would compute at run time. A user ``IN`` list
(``bindparam(..., expanding=True)``) is supported: one compiled form per list length.

Driver errors are raised as SQLAlchemy's ``DBAPIError`` (the class the rest of the store already
turns into :class:`StoreError`). ``OBSERVERS`` receive every statement sent, as SQLAlchemy's
``before_cursor_execute`` event would (tests check query plans through it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["OBSERVERS", "Prepared"]

#: Called with ``(sql, parameters, many)`` before each statement is sent (tests; nothing else).
OBSERVERS: list[Callable[[str, Any, bool], None]] = []

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Slot:
    """Stands for a caller's value while the statement is expanded: parameter ``name`` (item ``index`` of a list)."""

    name: str
    index: int | None = None


@dataclass
class _Form:
    """One statement compiled for one backend (and one length of each ``IN`` list)."""

    sql: str
    #: Positional drivers: one entry per placeholder, in order; named drivers: one per name.
    names: tuple[str, ...]
    positional: bool
    #: Per entry of ``names``: (caller's parameter, list index or None, constant or None, processor).
    slots: tuple[tuple[str | None, int | None, Any, Processor], ...]
    #: The types of the columns it returns (a select's, or RETURNING's).
    types: tuple[Any, ...]
    #: Their result processors, made at the first fetch: some depend on the driver's type code.
    results: tuple[Processor, ...] | None = None
    #: When every slot is a caller's parameter by name (no constant, no ``IN`` list item): one C-level
    #: ``itemgetter`` fetches the row's values, and only the slots with a processor are processed
    #: (a fleet binds ~45 rows per tenant run; the loop below cost more than the driver's own work).
    _getter: Callable[[Mapping[str, Any]], Any] | None = field(default=None, init=False)
    _processed: tuple[tuple[int, Callable[[Any], Any]], ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        if self.slots and all(name is not None and index is None for name, index, _, _ in self.slots):
            names = [name for name, _, _, _ in self.slots]
            getter = itemgetter(*names)
            self._getter = getter if len(names) > 1 else lambda values: (getter(values),)
            self._processed = tuple((i, process) for i, (_, _, _, process) in enumerate(self.slots) if process)

    def bind(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for one row of ``values``."""
        if self._getter is not None:
            got = self._getter(values)
            if self._processed:
                got = list(got)
                for at, processor in self._processed:
                    got[at] = processor(got[at])  # None too: JSON's null is a value
            return tuple(got) if self.positional else dict(zip(self.names, got, strict=True))
        bound = []
        for name, index, constant, process in self.slots:
            if name is None:
                value = constant
            elif index is None:
                value = values[name]
            else:
                value = values[name][index]
            bound.append(process(value) if process is not None else value)  # None too: JSON's null is a value
        return tuple(bound) if self.positional else dict(zip(self.names, bound, strict=True))


#: Processed values a ``repeated`` parameter keeps per compiled form before starting again.
_REMEMBERED = 4096


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process``, run once per distinct value (bounded); an unhashable value is processed every time.

    Only for values whose equal ones store alike: the aware datetimes ``UTCDateTime`` turns to UTC
    (two equal instants are one stored time), strings, numbers of one type.
    """
    seen: dict[Any, Any] = {}

    def processed(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            if len(seen) >= _REMEMBERED:
                seen.clear()
            found = seen[value] = process(value)
            return found
        except TypeError:  # unhashable
            return process(value)

    return processed


class Prepared:
    """A Core statement compiled once per backend, run on the driver in the caller's transaction."""

    def __init__(
        self, statement: ClauseElement, *, columns: Sequence[str] | None = None, repeated: Sequence[str] = ()
    ) -> None:
        """``columns``: for an INSERT or UPDATE without ``values()``, the columns it sets (each a parameter).

        ``repeated``: parameters whose values recur from row to row and call to call (a first run's
        imported days: the same 90 dates for every tenant of a fleet, one ``recorded_at`` per call):
        each distinct hashable value goes through its type's processor once and its processed form
        is reused (:func:`_remembering`); the stored form is the processor's own.
        """
        self.statement = statement
        self._columns = list(columns) if columns is not None else None
        self._repeated = frozenset(repeated)
        compiled = statement.compile(column_keys=self._columns)
        assert isinstance(compiled, SQLCompiler)
        binds = compiled.binds.values()
        self._required = sorted({b.key for b in binds if b.required})
        self._expanding = sorted({b.key for b in binds if b.required and b.expanding})
        self._forms: dict[tuple[str, str, tuple[int, ...]], _Form] = {}

    # ------------------------------------------------------------------ running it
    def execute(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        """Run the statement once with ``values``; returns the driver's cursor."""
        values = values or {}
        form = self._form(connection.dialect, values)
        return self._send(connection, form, form.bind(values), many=False)

    def executemany(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row (one driver call); nothing when there are no rows."""
        if not rows:
            return
        form = self._form(connection.dialect, rows[0])
        if self._expanding:
            lengths = self._lengths(rows[0])
            if any(self._lengths(row) != lengths for row in rows):
                raise ValueError("executemany needs the same length of each IN list in every row")
        self._send(connection, form, [form.bind(row) for row in rows], many=True)

    def rows(self, connection: Connection, values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """A select's rows, each column through its type's result processor."""
        values = values or {}
        form = self._form(connection.dialect, values)
        cursor = self._send(connection, form, form.bind(values), many=False)
        fetched = cursor.fetchall()
        processors = form.results
        if processors is None:
            dialect = connection.dialect
            codes = [column[1] for column in cursor.description]
            processors = form.results = tuple(
                kind.dialect_impl(dialect).result_processor(dialect, code)
                for kind, code in zip(form.types, codes, strict=True)
            )
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True)) for row in fetched]

    def first(self, connection: Connection, values: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        found = self.rows(connection, values)
        return found[0] if found else None

    def scalar(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        row = self.first(connection, values)
        return row[0] if row is not None else None

    # ------------------------------------------------------------------ building it
    def _lengths(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return tuple(len(values[name]) for name in self._expanding)

    def _form(self, dialect: Dialect, values: Mapping[str, Any]) -> _Form:
        key = (dialect.name, dialect.driver, self._lengths(values) if self._expanding else ())  # paramstyles differ
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self._compile(dialect, dict(zip(self._expanding, key[2], strict=True)))
        return form

    def _compile(self, dialect: Dialect, lengths: Mapping[str, int]) -> _Form:
        placeholders: dict[str, Any] = {
            name: [_Slot(name, i) for i in range(lengths[name])] if name in lengths else _Slot(name)
            for name in self._required
        }
        compiled = self.statement.compile(dialect=dialect, column_keys=self._columns)
        assert isinstance(compiled, SQLCompiler)
        state = compiled.construct_expanded_state(placeholders)
        parameters = state.parameters
        names = tuple(state.positiontup) if state.positiontup is not None else tuple(parameters)
        slots: list[tuple[str | None, int | None, Any, Processor]] = []
        for name in names:
            value = parameters[name]
            process = state.processors.get(name)  # an expanded list's items
            if process is None and name in compiled.binds:
                process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if isinstance(value, _Slot):
                remembered = _remembering(process) if process is not None and value.name in self._repeated else None
                slots.append((value.name, value.index, None, remembered or process))
            else:
                if not isinstance(value, str | int | float | bool) or value is None:
                    raise TypeError(f"{name}: a prepared statement takes constants of plain types only, not {value!r}")
                slots.append((None, None, process(value) if process is not None else value, None))
        returned: Iterable[Any] = getattr(self.statement, "exported_columns", ())  # a select's, or RETURNING's
        types = tuple(column.type for column in returned)
        return _Form(state.statement, names, state.positiontup is not None, tuple(slots), types)

    @staticmethod
    def _send(connection: Connection, form: _Form, parameters: Any, *, many: bool) -> Any:
        for observer in OBSERVERS:
            observer(form.sql, parameters, many)
        dialect = connection.dialect
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if many:
                cursor.executemany(form.sql, parameters)
            else:
                cursor.execute(form.sql, parameters)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(form.sql, parameters, exc, dialect.loaded_dbapi.Error) from exc
        return cursor
