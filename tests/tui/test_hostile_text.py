"""No dashboard screen draws tenant text raw: Graph error messages, Secure Score titles, a job's error.

The engine assesses a simulated tenant in-process behind :class:`~tests.cli.hostile.HostileProxy`
(CSI, OSC, C1 and bidi controls and invisible characters in every Graph error message, a 403 making
two settings' reasons Graph's message) with Microsoft's Secure Score titles, categories and state
comments made hostile too. Each screen is then inspected as the terminal would get it — the
screenshot Textual exports, every widget's rendered lines, every table cell — for the raw controls,
and for the cleaned text itself (so nothing passes by showing nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import DataTable, Static

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.safe import SafeStatic, SafeTable, safe_text
from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.history import HistoryScreen
from scorekeeper.tui.screens.overview import OverviewScreen
from scorekeeper.tui.screens.securescore import SecureScoreScreen
from tests.cli.hostile import HOSTILE, SURVIVOR, install_proxy, poison_secure_score, raw_controls
from tests.tui.helpers import settle


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.delenv("SCOREKEEPER_LOAD_PLUGINS", raising=False)  # the shipped plugins, not the toy one
    config = parse_config({"tenants": {"lab": {"simulator": True, "profile": "weak-cloud"}}}, data_dir=tmp_path)
    plugins = load_plugins()
    if "SelfServicePasswordReset" not in plugins.controls:
        pytest.skip("the SSPR plugin is not installed")
    sim = Simulator.from_profiles("weak-cloud")
    install_proxy(sim)
    poison_secure_score(sim)
    sim.faults.add(status=403, path="/v1.0/policies/authorizationPolicy", method="GET")
    store = HistoryStore.open(str(tmp_path / "h.db"))
    yield Engine(config, plugins, store, tmp_path, simulators={"lab": sim})
    store.close()


def drawn(app: ScorekeeperApp) -> str:
    """Everything the current screen draws: Textual's screenshot, each widget's lines, every table cell."""
    parts = [app.export_screenshot()]
    for widget in app.screen.query("*"):
        width, height = widget.size
        if width and height:
            parts += ["".join(s.text for s in strip) for strip in widget.render_lines(Region(0, 0, width, height))]
        if isinstance(widget, DataTable):
            parts += [str(cell) for i in range(widget.row_count) for cell in widget.get_row_at(i)]
        if isinstance(widget, Static):
            parts.append(str(widget.content))
    return "\n".join(parts)


def assert_clean(app: ScorekeeperApp, where: str) -> str:
    text = drawn(app)
    assert raw_controls(text) == [], (where, [line for line in text.splitlines() if raw_controls(line)][:5])
    return text


async def test_no_screen_draws_tenant_text_raw(engine: Engine) -> None:
    [run] = await engine.assess(["lab"])
    reasons = [f.reason for f in run.findings if HOSTILE in f.reason]
    assert reasons, "the proxy must put the hostile text into a finding's reason"
    app = ScorekeeperApp(engine, ["lab"])
    async with app.run_test(size=(160, 60), notifications=True) as pilot:
        await settle(pilot)
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        assert_clean(app, "overview")

        # Several controls: one row per tenant; enter lists the tenant's controls.
        assert overview.by_tenant
        await pilot.press("enter")
        await settle(pilot)
        assert_clean(app, "overview, the tenant's controls")

        # The control view: the unreadable setting's reason is Graph's hostile message.
        overview.query_one("#overview", DataTable).move_cursor(
            row=next(i for i, r in enumerate(overview.rows) if r.control == "SelfServicePasswordReset")
        )
        await pilot.press("enter")
        await settle(pilot)
        control = app.screen
        assert isinstance(control, ControlScreen)
        control.query_one("#settings", DataTable).move_cursor(
            row=next(i for i, (_s, _f, sid) in enumerate(control.shown) if sid == "admin_sspr")
        )
        await pilot.pause()
        assert SURVIVOR in assert_clean(app, "control view")
        await pilot.press("escape")

        # The Secure Score screen: Microsoft's titles (detail pane), categories (cells), state comments.
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SecureScoreScreen)
        assert SURVIVOR in assert_clean(app, "secure score")
        await pilot.press("escape")

        # History: the assessment's reasons (cut short) and run text.
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert_clean(app, "history")
        await pilot.press("escape")

        # A job that fails with tenant text: its toast and the activity line.
        async def hostile_failure(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(HOSTILE)

        engine.assess = hostile_failure  # type: ignore[method-assign]
        await pilot.press("a")
        await settle(pilot)
        shown = assert_clean(app, "failed job")
        assert SURVIVOR in shown
        assert all(raw_controls(n.message) == [] for n in app._notifications)


async def test_the_choke_points_clean_whatever_they_are_given() -> None:
    """The widgets the screens draw with: a string is plain cleaned text, styled text keeps its styles."""
    from rich.text import Text
    from textual.app import App, ComposeResult

    styled = Text("ok ")
    styled.append(HOSTILE, style="bold red")
    styled.append(" tail", style="italic")
    cleaned = safe_text(styled)
    assert raw_controls(cleaned.plain) == [] and cleaned.plain.endswith(" tail")
    assert [(cleaned.plain[s.start : s.end], str(s.style)) for s in cleaned.spans] == [
        ("pwn[2J[6n]0;pwned-title31mc1csiexe.txtisozerowidthend", "bold red"),
        (" tail", "italic"),
    ]

    class Tiny(App[None]):
        def compose(self) -> ComposeResult:
            yield SafeStatic(HOSTILE, id="hostile")
            yield SafeStatic("plain words", id="plain")
            yield SafeTable(id="cells")

    app = Tiny()
    async with app.run_test() as pilot:
        cleaned_text = Text("pwn[2J[6n]0;pwned-title31mc1csiexe.txtisozerowidthend")
        assert app.query_one("#hostile", Static).content == cleaned_text
        assert app.query_one("#plain", Static).content == "plain words"  # unchanged: no object per label
        table = app.query_one("#cells", SafeTable)
        table.add_column("x")
        hostile_key = table.add_row(HOSTILE)
        markup_key = table.add_row("[@click=app.quit]q")
        await pilot.pause()
        assert raw_controls(str(table.get_row(hostile_key)[0])) == []
        assert str(table.get_row(markup_key)[0]) == "[@click=app.quit]q"  # shown as text, never read as markup
        assert raw_controls(drawn(app)) == []
