"""The first screen: every tenant × control with its score, trend, counts, last run and drift.

It is one ``HistoryStore.overview()`` call (a handful of indexed queries whatever the size of
history) read in a worker thread, so the screen paints at once and fills in as soon as the
store answers. Pairs never assessed are listed too, so a new tenant shows what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from scorekeeper.tui.format import counts_text, fit, score_text, sized_columns, sparkline, trend_text, when
from scorekeeper.tui.widgets.activity import Activity

if TYPE_CHECKING:
    from scorekeeper.store.records import DriftEvent, TenantOverview
    from scorekeeper.tui.app import ScorekeeperApp

COLUMNS = (
    ("tenant", 10),
    ("control", 19),
    ("score", 7),
    ("trend", 9),
    ("settings", 15),
    ("last run", 12),
    ("drift", 5),
)
WIDTH = dict(COLUMNS)


@dataclass(frozen=True)
class Row:
    """One line of the overview: a configured tenant, an installed control, and what history knows."""

    tenant: str
    control: str
    title: str
    cell: TenantOverview | None

    @property
    def key(self) -> str:
        return f"{self.tenant}\x00{self.control}"


class OverviewScreen(Screen[None]):
    """Tenants × controls; enter opens a control, a/p/r act on the highlighted tenant."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True),
        Binding("a", "assess", "Assess"),
        Binding("A", "assess_all", "Assess all", show=False),
        Binding("p", "plan", "Plan"),
        Binding("r", "remediate", "Remediate"),
        Binding("g", "reload", "Refresh", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.loaded = False
        self._drift: list[DriftEvent] = []

    @property
    def sk(self) -> ScorekeeperApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="overview-body"):
            table: DataTable[Any] = DataTable(id="overview", cursor_type="row", cell_padding=0, zebra_stripes=True)
            yield table
            with VerticalScroll(id="cell-detail"):
                yield Static(id="cell-summary")
                yield Static(id="cell-drift")
        yield Activity()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.widths = dict(COLUMNS)
        self._add_columns()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def _add_columns(self) -> None:
        table = self.query_one("#overview", DataTable)
        table.clear(columns=True)
        for label, _ in COLUMNS:
            table.add_column(label, width=self.widths[label], key=label)

    def on_resize(self, event: Any) -> None:
        """Size the name columns to the terminal: names in full when there is room (120 columns)."""
        wants = {
            "control": max((len(r.control) + 1 for r in self.rows), default=0),
            "tenant": max((len(r.tenant) + 1 for r in self.rows), default=0),
        }
        widths = sized_columns(COLUMNS, event.size.width, wants)
        if widths != getattr(self, "widths", None):
            self.widths = widths
            self._add_columns()
            if self.rows:
                self._fill()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="overview")
    def _load(self) -> None:
        store = self.sk.store
        cells = {(c.tenant, c.control): c for c in store.overview()}
        drift = store.drift_events(limit=200)
        controls = self.sk.engine.plugins.controls
        rows = [
            Row(tenant, control_id, controls[control_id].title, cells.get((tenant, control_id)))
            for tenant in self.sk.tenants
            for control_id in sorted(controls)
        ]
        self.app.call_from_thread(self._loaded, rows, drift)

    def _loaded(self, rows: list[Row], drift: list[DriftEvent]) -> None:
        self.rows = rows
        self._drift = drift
        wants = {
            "control": max((len(r.control) + 1 for r in rows), default=0),
            "tenant": max((len(r.tenant) + 1 for r in rows), default=0),
        }
        widths = sized_columns(COLUMNS, self.size.width, wants)
        if widths != self.widths:
            self.widths = widths
            self._add_columns()
        self._fill()
        self.loaded = True

    def _fill(self) -> None:
        table = self.query_one("#overview", DataTable)
        palette = self.sk.palette
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(*self._cells(row, palette), key=row.key)
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
            self._show_detail(self.rows[table.cursor_row])
        else:
            self.query_one("#cell-summary", Static).update(
                "No control to show: install a control plugin (scorekeeper plugins lists them)."
            )

    def _cells(self, row: Row, palette: dict[str, str]) -> list[Any]:
        cell = row.cell
        width = getattr(self, "widths", WIDTH)
        if cell is None:
            muted = palette.get("foreground-muted", "")
            names = [fit(row.tenant, width["tenant"]), fit(row.control, width["control"])]
            return [*names, "—", "", Text("not assessed", style=muted), "never", "—"]
        drift = Text(f"▼{cell.drift}", style=f"bold {palette.get('error', '')}") if cell.drift else Text("·")
        return [
            fit(row.tenant, width["tenant"]),
            fit(row.control, width["control"]),
            score_text(cell.score, cell.max_score),
            Text(sparkline(cell.trend, cell.max_score), style=palette.get("accent", "")),
            counts_text(cell.counts, palette),
            when(cell.last_run_at),
            drift,
        ]

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#overview")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self._show_detail(self.rows[event.cursor_row])

    def _show_detail(self, row: Row) -> None:
        cell = row.cell
        summary = Text()
        summary.append(f"{row.tenant} · {row.control}", style="bold")
        summary.append(f" — {row.title}\n")
        if cell is None:
            summary.append("Never assessed. Press a to assess this tenant (reads only, writes nothing).")
            self.query_one("#cell-drift", Static).update("")
        else:
            summary.append(f"Secure Score {score_text(cell.score, cell.max_score)}")
            summary.append(f" · last assessment: run {cell.last_run_id}, {when(cell.last_run_at, full=True)}\n")
            summary.append_text(trend_text(cell.trend, cell.max_score, self.sk.palette))
            self.query_one("#cell-drift", Static).update(self._drift_text(row))
        self.query_one("#cell-summary", Static).update(summary)

    def _drift_text(self, row: Row) -> Text:
        events = [e for e in self._drift if e.tenant == row.tenant and e.control == row.control]
        cell = row.cell
        latest = [e for e in events if cell is not None and e.run_id == cell.last_run_id]
        if not latest:
            return Text("No drift since the previous assessment.")
        text = Text(f"Drift since run {latest[0].previous_run_id}:", style="bold")
        for event in latest:
            detail = event.detail
            if event.kind == "setting_regressed":
                text.append(
                    f"\n  ▼ {event.setting}: {detail.get('previous_status', '?')} → {detail.get('status', '?')}"
                )
            else:
                text.append(f"\n  ▼ score {detail.get('previous_score')} → {detail.get('score')}")
        return text

    # ------------------------------------------------------------------ actions
    def current(self) -> Row | None:
        table = self.query_one("#overview", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#overview")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from scorekeeper.tui.screens.control import ControlScreen

        row = self.current()
        if row is not None:
            self.app.push_screen(ControlScreen(row.tenant, row.control))

    def action_assess(self) -> None:
        row = self.current()
        if row is not None:
            self.sk.assess([row.tenant])

    def action_assess_all(self) -> None:
        self.sk.assess(list(self.sk.tenants))

    def action_plan(self) -> None:
        row = self.current()
        if row is not None:
            self.sk.plan(row.tenant)

    def action_remediate(self) -> None:
        row = self.current()
        if row is not None:
            self.sk.remediate(row.tenant)

    def action_reload(self) -> None:
        self.reload()
