"""Which tenant × control cells of the dashboard a person asked to see, and in which groups.

One implementation of the overview's selection rules, free of any front end: a cell's states
(failing, drift, unknown, manual, staged, advice, passing, never assessed) from what history recorded, a
filter by tenant name, ``[groups.NAME]`` and state, written and read back as one line of text
(``contoso group:emea status:failing``), and the rows grouped by group. The TUI renders what
these return; a CLI or report that lists cells would use the same functions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from scorekeeper.domain.model import Status

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import CellFilterError as CellFilterError
from scorekeeper.util.suggest import did_you_mean

if TYPE_CHECKING:
    from scorekeeper.store.records import TenantOverview

#: The heading of tenants that are in no ``[groups.NAME]``.
NO_GROUP = "(no group)"


class CellState(enum.StrEnum):
    """What a person filters the overview by; a cell can be in several states at once."""

    FAILING = "failing"  # a setting fails (or could not be assessed because of an error)
    DRIFT = "drift"  # a setting stopped passing, or the score fell, since the previous assessment
    UNKNOWN = "unknown"  # a setting could not be read
    MANUAL = "manual"  # a person must act, then attest
    STAGED = "staged"  # a setting is part-way through a staged rollout (neither pass nor fail)
    ADVICE = "advice"  # a setting fails only a requirement the configuration does not select
    PASSING = "passing"  # assessed, and nothing fails, is unknown, staged or waits for a person
    NEVER = "never"  # never assessed


def cell_states(cell: TenantOverview | None) -> frozenset[CellState]:
    """The states of one cell; ``None`` (no assessment recorded) is :attr:`CellState.NEVER`."""
    if cell is None or cell.last_run_id is None:
        return frozenset({CellState.NEVER})
    counts = cell.counts
    states = set()
    if counts.get(Status.FAIL.value, 0) or counts.get(Status.ERROR.value, 0):
        states.add(CellState.FAILING)
    if counts.get(Status.UNKNOWN.value, 0):
        states.add(CellState.UNKNOWN)
    if counts.get(Status.MANUAL.value, 0):
        states.add(CellState.MANUAL)
    if counts.get(Status.STAGED.value, 0):
        states.add(CellState.STAGED)
    if counts.get(Status.ADVICE.value, 0):
        states.add(CellState.ADVICE)  # advice never stops a cell passing
    if cell.drift:
        states.add(CellState.DRIFT)
    if not states & {CellState.FAILING, CellState.UNKNOWN, CellState.MANUAL, CellState.STAGED}:
        states.add(CellState.PASSING)
    return frozenset(states)


@dataclass(frozen=True)
class CellFilter:
    """Tenants whose name contains ``text`` (any case), in ``group``, with a cell in ``state``."""

    text: str = ""
    group: str | None = None
    state: CellState | None = None

    @property
    def active(self) -> bool:
        return bool(self.text or self.group or self.state)

    def matches(self, tenant: str, cell: TenantOverview | None, groups: Mapping[str, Sequence[str]]) -> bool:
        if self.text and self.text.casefold() not in tenant.casefold():
            return False
        if self.group is not None and tenant not in groups.get(self.group, ()):
            return False
        return self.state is None or self.state in cell_states(cell)

    def query(self) -> str:
        """The filter as the line :func:`parse_filter` reads back."""
        words = [self.text] if self.text else []
        if self.group is not None:
            words.append(f"group:{self.group}")
        if self.state is not None:
            words.append(f"status:{self.state.value}")
        return " ".join(words)

    def next_state(self) -> CellFilter:
        """The same filter with the next state in :class:`CellState` order (after the last: any state)."""
        order: list[CellState | None] = [None, *CellState]
        return replace(self, state=order[(order.index(self.state) + 1) % len(order)])

    def next_group(self, groups: Iterable[str]) -> CellFilter:
        """The same filter with the next configured group (after the last: any group)."""
        order: list[str | None] = [None, *groups]
        at = order.index(self.group) if self.group in order else 0
        return replace(self, group=order[(at + 1) % len(order)])


def parse_filter(line: str, groups: Iterable[str]) -> CellFilter:
    """``contoso group:emea status:failing`` → a :class:`CellFilter`; words without a prefix match tenant names.

    ``g:`` and ``s:`` are short for ``group:`` and ``status:``. An unknown group or state raises
    :class:`CellFilterError` with what exists.
    """
    known_groups = list(groups)
    text: list[str] = []
    group: str | None = None
    state: CellState | None = None
    for word in line.split():
        prefix, _, value = word.partition(":")
        if value and prefix in ("group", "g"):
            if value not in known_groups:
                listed = ", ".join(known_groups) or "none configured ([groups.NAME] in the config)"
                raise CellFilterError(f"unknown group {value!r}{did_you_mean(value, known_groups)}; groups: {listed}")
            group = value
        elif value and prefix in ("status", "s"):
            try:
                state = CellState(value)
            except ValueError:
                names = [s.value for s in CellState]
                raise CellFilterError(
                    f"unknown status {value!r}{did_you_mean(value, names)}; one of {', '.join(names)}"
                ) from None
        else:
            text.append(word)
    return CellFilter(" ".join(text), group, state)


def grouped(tenants: Sequence[str], groups: Mapping[str, Sequence[str]]) -> list[tuple[str, list[str]]]:
    """``tenants`` under each ``[groups.NAME]`` they belong to (config order), then :data:`NO_GROUP`.

    A tenant in two groups is listed under both; groups with none of ``tenants`` are left out.
    """
    chosen = set(tenants)
    sections = [(name, [t for t in members if t in chosen]) for name, members in groups.items()]
    sections = [(name, members) for name, members in sections if members]
    member = {t for _, members in sections for t in members}
    rest = [t for t in tenants if t not in member]
    return sections + ([(NO_GROUP, rest)] if rest else [])
