"""The control view shows the "Microsoft changes ahead" line the domain rule selects."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from scorekeeper import Assessment, PlatformChange
from scorekeeper.tui.screens.control import ControlScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle

CHANGE = PlatformChange(
    id="colours-retire",
    on=date(2026, 3, 1),
    title="Red retires",
    settings=("colour",),
    action="Paint it green.",
)
TOY_AHEAD = replace(toy_plugins.TOY, platform_changes=(CHANGE,))


class AheadPlugin(toy_plugins.GoodPlugin):
    """The toy control, declaring a dated change and marking the colour finding with it."""

    control = TOY_AHEAD

    async def assess(self, tenant: Any) -> Assessment:
        found = await toy_plugins.GoodPlugin.assess(self, tenant)
        marked = [
            replace(f, evidence={"platform_changes": [CHANGE.id]}) if f.setting == "colour" else f
            for f in found.findings
        ]
        return Assessment(marked, found.score)


async def test_the_control_view_shows_the_change_ahead(make_app) -> None:
    app = make_app(AheadPlugin())
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        title = str(app.screen.query_one("#control-title").content)
        # the engine's day is 2026-01-05: 55 days ahead
        line = "Microsoft changes ahead: 2026-03-01 (in 55 days): Red retires — affects colour. Paint it green."
        assert line in title
