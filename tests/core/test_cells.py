"""The overview's selection rules: a cell's states, the filter line and grouping by group."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scorekeeper.store.records import TenantOverview, empty_counts
from scorekeeper.tui.cells import NO_GROUP, CellFilter, CellFilterError, CellState, cell_states, grouped, parse_filter

GROUPS = {"emea": ("contoso", "fabrikam"), "apac": ("northwind", "contoso")}


def cell(drift: int = 0, **counts: int) -> TenantOverview:
    tally = {**empty_counts(), **counts}
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    return TenantOverview("contoso", "ToyControl", 0.0, 2.0, tally, 7, at, [0.0], drift)


def test_cell_states_follow_the_latest_assessment() -> None:
    assert cell_states(None) == {CellState.NEVER}
    assert cell_states(cell(**{"pass": 3})) == {CellState.PASSING}
    assert cell_states(cell(**{"pass": 3, "not_applicable": 2, "pending": 1})) == {CellState.PASSING}
    assert cell_states(cell(**{"fail": 1, "unknown": 2})) == {CellState.FAILING, CellState.UNKNOWN}
    assert cell_states(cell(**{"error": 1})) == {CellState.FAILING}
    assert cell_states(cell(**{"manual": 1})) == {CellState.MANUAL}
    # drift is on top of the counts: a cell that regressed and still fails is both
    assert cell_states(cell(drift=2, fail=1)) == {CellState.FAILING, CellState.DRIFT}
    assert cell_states(cell(drift=1, **{"pass": 2})) == {CellState.DRIFT, CellState.PASSING}


def test_filter_by_name_group_and_state() -> None:
    failing = cell(fail=1)
    assert CellFilter("TOS").matches("contoso", failing, GROUPS)
    assert not CellFilter("fab").matches("contoso", failing, GROUPS)
    assert CellFilter(group="apac").matches("contoso", failing, GROUPS)
    assert not CellFilter(group="emea").matches("northwind", failing, GROUPS)
    assert CellFilter(state=CellState.FAILING).matches("contoso", failing, GROUPS)
    assert not CellFilter(state=CellState.PASSING).matches("contoso", failing, GROUPS)
    assert CellFilter(state=CellState.NEVER).matches("contoso", None, GROUPS)
    assert not CellFilter("con", "emea", CellState.DRIFT).matches("contoso", failing, GROUPS)
    assert not CellFilter().active and CellFilter(state=CellState.NEVER).active


def test_the_filter_line_reads_back_what_it_wrote() -> None:
    chosen = parse_filter("con  group:emea status:failing", GROUPS)
    assert chosen == CellFilter("con", "emea", CellState.FAILING)
    assert parse_filter(chosen.query(), GROUPS) == chosen
    assert parse_filter("g:apac s:never", GROUPS) == CellFilter("", "apac", CellState.NEVER)
    assert parse_filter("", GROUPS) == CellFilter()


def test_unknown_groups_and_states_are_one_line_with_what_exists() -> None:
    with pytest.raises(CellFilterError, match=r"unknown group 'emae' \(did you mean 'emea'\?\); groups: emea, apac"):
        parse_filter("group:emae", GROUPS)
    with pytest.raises(CellFilterError, match=r"unknown status 'fail' .*; one of failing, drift"):
        parse_filter("status:fail", GROUPS)
    with pytest.raises(CellFilterError, match=r"none configured \(\[groups.NAME\]"):
        parse_filter("group:emea", {})


def test_stepping_through_states_and_groups_wraps_to_any() -> None:
    steps = [CellFilter()]
    for _ in range(len(CellState) + 1):
        steps.append(steps[-1].next_state())
    assert [s.state for s in steps] == [None, *CellState, None]
    assert CellFilter().next_group(GROUPS).group == "emea"
    assert CellFilter(group="emea").next_group(GROUPS).group == "apac"
    assert CellFilter(group="apac").next_group(GROUPS).group is None


def test_grouped_lists_a_tenant_under_each_of_its_groups_then_the_rest() -> None:
    tenants = ["contoso", "fabrikam", "northwind", "tailspin"]
    assert grouped(tenants, GROUPS) == [
        ("emea", ["contoso", "fabrikam"]),
        ("apac", ["northwind", "contoso"]),
        (NO_GROUP, ["tailspin"]),
    ]
    # groups with none of the tenants shown are left out
    assert grouped(["tailspin"], GROUPS) == [(NO_GROUP, ["tailspin"])]
    assert grouped(["fabrikam"], GROUPS) == [("emea", ["fabrikam"])]
