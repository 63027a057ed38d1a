"""The dashboard changes a tenant only through the engine's one entry: its writer lease before the plan.

Before, the dashboard planned without the lease and took it only to write, so a plan could be
made (and shown for confirmation) while another process was writing to the same tenant.
"""

from __future__ import annotations

from pathlib import Path

from scorekeeper.safety.lease import held_lease, writer_lease
from scorekeeper.store import HistoryStore
from scorekeeper.tui.screens.confirm import ConfirmScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle


async def test_a_second_writer_stops_the_dashboard_before_it_plans(make_app, store, tmp_path: Path) -> None:
    other = HistoryStore.open(str(tmp_path / "history.db"))  # another writer on the same history
    try:
        with writer_lease(other, "t1", "remediate"):
            app = make_app()
            async with app.run_test() as pilot:
                await settle(pilot)
                await pilot.press("r")
                await settle(pilot)
                assert not isinstance(app.screen, ConfirmScreen)
                assert store.runs() == []  # not even a plan run: nothing was read under someone else's lease
                assert "t1" not in toy_plugins.TENANTS  # the toy tenant was never even read
            assert held_lease(store, "t1") is None
    finally:
        other.close()


async def test_the_lease_is_held_from_the_plan_to_the_answer(make_app, store) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert held_lease(store, "t1") is None
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert held_lease(store, "t1") is not None  # the plan on screen was made, and stays, under the lease
        await pilot.press("n")
        await settle(pilot)
        assert held_lease(store, "t1") is None
        assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}

        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert held_lease(store, "t1") is None
        assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 3}
