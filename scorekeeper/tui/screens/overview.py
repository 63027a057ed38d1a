"""The first screen: every tenant × control with its score, trend, counts, last run and drift.

It is one ``HistoryStore.overview()`` call (a handful of indexed queries whatever the size of
history) read in a worker thread, so the screen paints at once and fills in as soon as the
store answers. Pairs never assessed are listed too, so a new tenant shows what to do next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static

from scorekeeper.store.records import TenantOverview
from scorekeeper.tui.cells import CellFilter, CellFilterError, CellState, cell_states, grouped, parse_filter
from scorekeeper.tui.format import counts_text, fit, score_text, sized_columns, sparkline, trend_text, when
from scorekeeper.tui.safe import SafeStatic
from scorekeeper.tui.screens.sized import SizedTableScreen
from scorekeeper.tui.widgets.activity import Activity
from scorekeeper.tui.widgets.fixed_table import FixedTable, LazyCell

if TYPE_CHECKING:
    from scorekeeper.store.records import DriftEvent
    from scorekeeper.tui.app import ScorekeeperApp

#: Each column's width at 80 columns; :data:`GROWS` get the spare width of wider terminals.
COLUMNS = (
    ("tenant", 10),
    ("control", 15),
    ("score", 6),
    ("trend", 6),
    ("settings", 15),
    ("last run", 17),
    ("drift", 5),
)
WIDTH = dict(COLUMNS)
#: The columns that take spare width, in this order, up to what their longest value needs.
GROWS = ("last run", "control", "tenant", "score", "trend")
#: Sparkline points the trend column shows at its widest.
TREND_WIDTH = 8


class OpenTable(FixedTable):
    """The overview's table: enter selects the row under the cursor, named "Open" in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open")]


@dataclass(frozen=True)
class Row:
    """One line of the overview: a configured tenant, an installed control, and what history knows.

    A row with a ``heading`` is the title line of a group when rows are grouped (``b``); it
    stands for the group's tenants and has no control.
    """

    tenant: str
    control: str
    title: str
    cell: TenantOverview | None
    heading: str | None = None
    members: tuple[str, ...] = ()
    #: On a tenant's own row (``t``): the controls behind it, which enter lists.
    controls: tuple[str, ...] = ()

    @property
    def is_heading(self) -> bool:
        return self.heading is not None and not self.control and not self.controls

    @property
    def is_tenant(self) -> bool:
        return bool(self.controls)

    @property
    def key(self) -> str:
        return f"{self.heading or ''}\x00{self.tenant}\x00{self.control}"


def tenant_row(tenant: str, rows: list[Row], heading: str | None = None) -> Row:
    """One tenant's line: its controls' scores, counts and drift added up, its newest run."""
    cells = [r.cell for r in rows if r.cell is not None]
    controls = tuple(r.control for r in rows)
    if not cells:
        return Row(tenant, "", f"{len(controls)} control(s)", None, heading=heading, controls=controls)
    scored = [c for c in cells if c.score is not None]
    counts: dict[str, int] = {}
    for c in cells:
        for status, number in c.counts.items():
            counts[status] = counts.get(status, 0) + number
    newest = max(cells, key=lambda c: (c.last_run_at is not None, c.last_run_at or 0, c.last_run_id or 0))
    summed = TenantOverview(
        tenant=tenant,
        control="",
        score=sum(c.score or 0.0 for c in scored) if scored else None,
        max_score=sum(c.max_score or 0.0 for c in scored) if scored else None,
        counts=counts,
        last_run_id=newest.last_run_id,
        last_run_at=newest.last_run_at,
        trend=[],
        drift=sum(c.drift for c in cells),
    )
    return Row(tenant, "", f"{len(controls)} control(s)", summed, heading=heading, controls=controls)


#: What each column sorts by (``o`` steps through them, a click on a header picks one).
def _sort_key(label: str) -> Any:
    def score(r: Row) -> tuple[bool, float]:
        c = r.cell
        if c is None or c.score is None or not c.max_score:
            return (True, 0.0)
        return (False, c.score / c.max_score)

    keys: dict[str, Any] = {
        "tenant": lambda r: r.tenant.casefold(),
        "control": lambda r: (r.control or r.title).casefold(),
        "score": score,
        "trend": lambda r: (r.cell.trend[-1] - r.cell.trend[0]) if r.cell and len(r.cell.trend) > 1 else 0.0,
        "settings": lambda r: -(r.cell.counts.get("fail", 0) if r.cell else -1),
        "last run": lambda r: r.cell.last_run_at.timestamp() if r.cell and r.cell.last_run_at else 0.0,
        "drift": lambda r: -(r.cell.drift if r.cell else 0),
    }
    return keys[label]


class OverviewScreen(SizedTableScreen):
    """Tenants × controls; enter opens a control, a/p/r act on the highlighted tenant.

    ``/`` filters by tenant name, ``group:NAME`` and ``status:STATE`` (see :mod:`scorekeeper.tui.cells`),
    ``f`` and ``G`` step through the states and groups, ``b`` groups the rows by group.
    """

    AUTO_FOCUS = "#overview"
    TABLE_ID = "#overview"
    TABLE_COLUMNS = COLUMNS

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: a priority binding runs when the app reads the key, while the
        # arrow keys typed just before it are still on their way through the table (a key reaches
        # the table's bindings as it bubbles back up), so "↓ ↓ ⏎" typed fast opened the first row.
        # The table's own enter (OpenTable) is handled in key order; this one serves a table
        # without focus.
        Binding("enter", "open", "Open", show=False),
        Binding("a", "assess", "Assess"),
        Binding("A", "assess_all", "Assess all", show=False),
        Binding("p", "plan", "Plan"),
        Binding("r", "remediate", "Remediate"),
        Binding("R", "report", "Report", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("f", "next_state", "Status", show=False),
        Binding("G", "next_group", "Group", show=False),
        Binding("b", "toggle_grouped", "By group", show=False),
        Binding("t", "toggle_tenants", "Tenants", show=False),
        Binding("o", "sort_next", "Sort", show=False),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("g", "reload", "Refresh", show=False),
        Binding("q", "app.quit", "Quit", show=False),  # in the help; the footer has no room at 80 columns
    ]

    def __init__(self) -> None:
        super().__init__()
        #: Every tenant × control, as last read from history; :attr:`rows` is what the table shows.
        self.all_rows: list[Row] = []
        self.rows: list[Row] = []
        self.loaded = False
        self.filter = CellFilter()
        self.grouped = False
        #: Drift events of the cells highlighted so far, by (tenant, control, run), read on demand.
        self._drift: dict[tuple[str, str, int | None], list[DriftEvent]] = {}
        self._drift_loading: set[tuple[str, str, int | None]] = set()
        #: Tenants with a failing cell, for the group headings' counts.
        self._failing: set[str] = set()
        #: One row per tenant (``t``), its controls behind enter; set on the first load when
        #: more than one control is installed (with one, a tenant's row is its control's row).
        self.by_tenant: bool | None = None
        #: The filter that enter on a tenant's row replaced, restored by escape.
        self._tenant_opened_from: CellFilter | None = None
        #: The column the rows are sorted by (``o``, or a click on its header) and whether reversed.
        self.sort: str | None = None
        self.sort_reversed = False

    @property
    def sk(self) -> ScorekeeperApp:
        return self.app  # type: ignore[return-value]

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        return self.sk.engine.config.groups

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="overview-body"):
            yield Input(
                placeholder="tenant name, group:NAME, status:failing|drift|unknown|manual|passing|never",
                id="overview-filter",
                compact=True,
                classes="hidden",
            )
            table = OpenTable(id="overview", cursor_type="row", cell_padding=0, zebra_stripes=True)
            yield table
            with VerticalScroll(id="cell-detail"):
                yield SafeStatic(id="cell-summary")
                yield SafeStatic(id="cell-drift")
        yield Activity()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._start_columns()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def _sized(self, width: int) -> dict[str, int]:
        """Widths for a terminal ``width`` wide: names in full when there is room (120 columns)."""
        rows = [r for r in self.rows if r.heading is None]
        longest = {
            "tenant": max((len(r.tenant) for r in rows), default=0),
            "control": max((len(r.control) for r in rows), default=0),
            "last run": max((len(when(r.cell.last_run_at)) for r in rows if r.cell is not None), default=0),
            "score": max((len(score_text(r.cell.score, r.cell.max_score)) for r in rows if r.cell), default=0),
            "trend": TREND_WIDTH,
        }
        return sized_columns(COLUMNS, width, {label: longest[label] + 1 for label in GROWS})

    def _resize(self, width: int) -> None:
        if self._set_widths(self._sized(width)) and self.rows:
            self._fill()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="overview")
    def _load(self) -> None:
        store = self.sk.store
        cells = {(c.tenant, c.control): c for c in store.overview()}
        controls = self.sk.engine.plugins.controls
        ordered = sorted(controls)
        rows = [
            Row(tenant, control_id, controls[control_id].title, cells.get((tenant, control_id)))
            for tenant in self.sk.tenants
            for control_id in ordered
        ]
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[Row]) -> None:
        if self.by_tenant is None:
            self.by_tenant = len(self.sk.engine.plugins.controls) > 1
        self.all_rows = rows
        self._drift.clear()
        self._select_rows()
        self._set_widths(self._sized(self.size.width))
        self._fill()
        self.loaded = True

    def _select_rows(self) -> None:
        """:attr:`rows` from :attr:`all_rows`: the filter applied, then grouped when asked."""
        groups = self.groups
        shown = [r for r in self.all_rows if self.filter.matches(r.tenant, r.cell, groups)]
        by_tenant: dict[str, list[Row]] = {}
        for row in shown:
            by_tenant.setdefault(row.tenant, []).append(row)
        if self.by_tenant:
            shown = [tenant_row(name, members) for name, members in by_tenant.items()]
            by_tenant = {r.tenant: [r] for r in shown}
        if self.sort is not None:
            shown.sort(key=_sort_key(self.sort), reverse=self.sort_reversed)
            by_tenant = {}
            for row in shown:
                by_tenant.setdefault(row.tenant, []).append(row)
        if not self.grouped:
            self.rows = shown
            return
        self._failing = {r.tenant for r in self.all_rows if CellState.FAILING in cell_states(r.cell)}
        self.rows = []
        for name, members in grouped(list(by_tenant), groups):
            self.rows.append(Row("", "", "", None, heading=name, members=tuple(members)))
            for member in members:
                self.rows += [
                    Row(r.tenant, r.control, r.title, r.cell, heading=name, controls=r.controls)
                    for r in by_tenant[member]
                ]

    def _fill(self, *, leaving: bool = False) -> None:
        table = self.query_one("#overview", FixedTable)
        palette = self.sk.palette
        keep = self.rows[table.cursor_row].key if 0 <= table.cursor_row < len(self.rows) else None
        table.clear()
        table.add_rows_at_once((row.key, self._cells(row, palette)) for row in self.rows)
        self._show_filter_state(leaving=leaving)
        if self.rows:
            at = next((i for i, r in enumerate(self.rows) if r.key == keep), None) if keep else None
            table.move_cursor(row=at if at is not None else min(max(table.cursor_row, 0), len(self.rows) - 1))
            self._show_detail(self.rows[table.cursor_row])
        elif self.filter.active:
            self.query_one("#cell-summary", Static).update(
                f"No tenant matches the filter {self.filter.query()!r}. Press escape to clear it, / to change it."
            )
            self.query_one("#cell-drift", Static).update("")
        else:
            self.query_one("#cell-summary", Static).update(
                "No control to show: install a control plugin (scorekeeper plugins lists them)."
            )

    def _show_filter_state(self, *, leaving: bool = False) -> None:
        """The filter line stays on screen while a filter is active; the header counts what it shows."""
        box = self.query_one("#overview-filter", Input)
        if leaving or not box.has_focus:
            box.value = self.filter.query()
            box.set_class(not self.filter.active, "hidden")
        shown = sum(not r.is_heading for r in self.rows)
        parts = [self.sk.sub_title]
        if self.filter.active:
            parts.append(f"{shown} of {len(self.all_rows)} rows")
        if self.grouped:
            parts.append("by group")
        if self.by_tenant:
            parts.append("per tenant (t: per control)")
        if self.sort is not None:
            parts.append(f"sorted by {self.sort}{' ↑' if self.sort_reversed else ''}")
        self.sub_title = " · ".join(parts)

    def _cells(self, row: Row, palette: dict[str, str]) -> list[Any]:
        width = getattr(self, "widths", WIDTH)
        if row.is_heading:
            return self._heading_cells(row, width, palette)
        cell = row.cell
        names = [fit(row.tenant, width["tenant"]), fit(row.control or row.title, width["control"])]
        if cell is None:
            muted = palette.get("foreground-muted", "")
            return [*names, "—", "", Text("not assessed", style=muted), "never", "—"]
        # Only the rows on screen are drawn: the Rich text of the others is never built (LazyCell).
        points = max(width["trend"] - 1, 1)
        return [
            *names,
            fit(score_text(cell.score, cell.max_score), width["score"]),
            LazyCell(lambda: Text(sparkline(cell.trend, cell.max_score, points), style=palette.get("accent", ""))),
            LazyCell(lambda: counts_text(cell.counts, palette, width["settings"] - 1)),
            LazyCell(lambda: Text(fit(when(cell.last_run_at), width["last run"]))),
            LazyCell(lambda: _drift_cell(cell.drift, palette)),
        ]

    def _heading_cells(self, row: Row, width: dict[str, int], palette: dict[str, str]) -> list[Any]:
        """A group's title laid across the columns (cells have no padding, so the slices join up)."""
        failing = len(self._failing.intersection(row.members))
        line = f"▾ {row.heading} · {len(row.members)} tenant(s)" + (f", {failing} failing" if failing else "")
        style = f"bold {palette.get('primary', '')}".strip()
        out: list[Any] = []
        for label, _ in COLUMNS:
            out.append(Text(line[: width[label]], style=style))
            line = line[width[label] :]
        return out

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#overview")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self._show_detail(self.rows[event.cursor_row])

    def _show_detail(self, row: Row) -> None:
        if row.is_heading:
            self._show_group(row)
            return
        if row.is_tenant:
            self._show_tenant(row)
            return
        cell = row.cell
        summary = Text()
        summary.append(f"{row.tenant} · {row.control}", style="bold")
        summary.append(f" — {row.title}\n")
        drift = self.query_one("#cell-drift", Static)
        if cell is None:
            summary.append("Never assessed. Press a to assess this tenant (reads only, writes nothing).")
            drift.update("")
        else:
            summary.append(f"Secure Score {score_text(cell.score, cell.max_score)}")
            summary.append(f" · last assessment: run {cell.last_run_id}, {when(cell.last_run_at)}\n")
            summary.append_text(trend_text(cell.trend, cell.max_score, self.sk.palette))
            key = (row.tenant, row.control, cell.last_run_id)
            if not cell.drift:
                drift.update("No drift since the previous assessment.")
            elif key in self._drift:
                drift.update(self._drift_text(self._drift[key]))
            else:
                drift.update(f"▼ {cell.drift} drift event(s); reading them…")
                if key not in self._drift_loading:
                    self._drift_loading.add(key)
                    self._load_drift(key)
        self.query_one("#cell-summary", Static).update(summary)

    def _show_group(self, row: Row) -> None:
        members = ", ".join(row.members)
        summary = Text(f"Group {row.heading}", style="bold")
        summary.append(f" · {len(row.members)} tenant(s) shown: {members}\n")
        summary.append("a assesses these tenants (reads only); b lists the rows without groups.")
        self.query_one("#cell-summary", Static).update(summary)
        self.query_one("#cell-drift", Static).update("")

    def _show_tenant(self, row: Row) -> None:
        cell = row.cell
        summary = Text(row.tenant, style="bold")
        summary.append(f" · {len(row.controls)} control(s)")
        if cell is not None:
            summary.append(f" · Secure Score {score_text(cell.score, cell.max_score)}")
            summary.append(f" · last assessment {when(cell.last_run_at)}")
        summary.append("\n")
        for control in row.controls:
            one = next((r for r in self.all_rows if r.tenant == row.tenant and r.control == control), None)
            c = one.cell if one is not None else None
            summary.append(f"  {control}: ")
            summary.append(score_text(c.score, c.max_score) if c is not None else "not assessed")
            summary.append("\n")
        summary.append("enter lists these controls · t shows every tenant × control")
        self.query_one("#cell-summary", Static).update(summary)
        self.query_one("#cell-drift", Static).update(
            f"▼ {cell.drift} drift event(s): enter, then the control" if cell is not None and cell.drift else ""
        )

    @work(thread=True, group="overview-drift")
    def _load_drift(self, key: tuple[str, str, int | None]) -> None:
        """The drift of one highlighted cell, read when it is highlighted (not for every row up front)."""
        tenant, control, run_id = key
        recent = self.sk.store.drift_events(tenant=tenant, limit=500)
        events = [e for e in recent if e.control == control and e.run_id == run_id]
        self.app.call_from_thread(self._drift_loaded, key, events)

    def _drift_loaded(self, key: tuple[str, str, int | None], events: list[DriftEvent]) -> None:
        self._drift[key] = events
        self._drift_loading.discard(key)
        row = self.current()
        if row is not None and row.cell is not None and (row.tenant, row.control, row.cell.last_run_id) == key:
            self.query_one("#cell-drift", Static).update(self._drift_text(events))

    def _drift_text(self, events: list[DriftEvent]) -> Text:
        if not events:
            return Text("No drift since the previous assessment.")
        text = Text(f"Drift since run {events[0].previous_run_id}:", style="bold")
        for event in events:
            detail = event.detail
            if event.kind == "setting_regressed":
                text.append(
                    f"\n  ▼ {event.setting}: {detail.get('previous_status', '?')} → {detail.get('status', '?')}"
                )
            else:
                text.append(f"\n  ▼ score {detail.get('previous_score')} → {detail.get('score')}")
        return text

    # ------------------------------------------------------------------ filter and groups
    def action_filter(self) -> None:
        box = self.query_one("#overview-filter", Input)
        box.remove_class("hidden")
        box.value = self.filter.query()
        box.focus()

    @on(Input.Submitted, "#overview-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            chosen = parse_filter(event.value, self.groups)
        except CellFilterError as exc:
            self.notify(str(exc), severity="error")
            return
        self.query_one("#overview", DataTable).focus()
        self.filter = chosen
        self._select_rows()
        self._fill(leaving=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter in the filter line applies the filter; it does not open the highlighted control.
        return not (action == "open" and self.query_one("#overview-filter", Input).has_focus)

    def on_key(self, event: Any) -> None:
        box = self.query_one("#overview-filter", Input)
        if event.key == "escape" and box.has_focus:
            # Escape in the filter line leaves it as it was applied.
            event.stop()
            self.query_one("#overview", DataTable).focus()
            self._show_filter_state(leaving=True)

    def _set_filter(self, chosen: CellFilter | None = None, *, grouped: bool | None = None) -> None:
        if chosen is not None:
            self.filter = chosen
        if grouped is not None:
            self.grouped = grouped
        self._select_rows()
        self._fill()

    def action_next_state(self) -> None:
        self._set_filter(self.filter.next_state())

    def action_next_group(self) -> None:
        if not self.groups:
            self.notify("No [groups.NAME] in the config: nothing to filter by group.", severity="warning")
            return
        self._set_filter(self.filter.next_group(self.groups))

    def action_toggle_grouped(self) -> None:
        if not self.groups and not self.grouped:
            self.notify("No [groups.NAME] in the config: every tenant is in no group.", severity="warning")
        self._set_filter(grouped=not self.grouped)

    def action_clear_filter(self) -> None:
        back = self._tenant_opened_from
        if back is not None:
            self._tenant_opened_from = None
            self.by_tenant = True
            self._set_filter(back)
        elif self.filter.active:
            self._set_filter(CellFilter())

    def action_toggle_tenants(self) -> None:
        """One row per tenant, or one per tenant × control."""
        self._tenant_opened_from = None
        self.by_tenant = not self.by_tenant
        self._set_filter()

    def action_sort_next(self) -> None:
        """Sort by the next column (none after the last: the configured order again)."""
        labels = [label for label, _ in COLUMNS]
        at = labels.index(self.sort) + 1 if self.sort in labels else 0
        self.sort = labels[at] if at < len(labels) else None
        self.sort_reversed = False
        self._sorted()

    def action_sort_reverse(self) -> None:
        self.sort_reversed = not self.sort_reversed
        self._sorted()

    @on(DataTable.HeaderSelected, "#overview")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        """A click on a header sorts by it; a second click reverses."""
        label = str(event.column_key.value)
        if self.sort == label:
            self.sort_reversed = not self.sort_reversed
        else:
            self.sort, self.sort_reversed = label, False
        self._sorted()

    def _sorted(self) -> None:
        self._set_filter()
        if self.sort is not None:
            self.notify(f"Sorted by {self.sort}{' (reversed)' if self.sort_reversed else ''}.")

    # ------------------------------------------------------------------ actions
    def current(self) -> Row | None:
        table = self.query_one("#overview", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def current_tenant(self) -> str | None:
        """The highlighted row's tenant; on a group's heading, none (it stands for several)."""
        row = self.current()
        return row.tenant if row is not None and not row.is_heading else None

    def shown_tenants(self) -> list[str]:
        """Every tenant the table shows now (after the filter), in order."""
        return list(dict.fromkeys(r.tenant for r in self.rows if not r.is_heading))

    @on(DataTable.RowSelected, "#overview")
    def _selected(self, event: DataTable.RowSelected) -> None:
        # The row the table's cursor was on when it handled enter (after every key typed before it).
        if 0 <= event.cursor_row < len(self.rows):
            self._open(self.rows[event.cursor_row])

    def action_open(self) -> None:
        row = self.current()
        if row is not None:
            self._open(row)

    def _open(self, row: Row) -> None:
        from scorekeeper.tui.screens.control import ControlScreen

        if row.is_tenant:
            # The tenant's controls, one row each; escape comes back to the tenants.
            self._tenant_opened_from = self.filter
            self.by_tenant = False
            self._set_filter(CellFilter(text=row.tenant))
            return
        if not row.is_heading:
            self.app.push_screen(ControlScreen(row.tenant, row.control))

    def action_assess(self) -> None:
        row = self.current()
        if row is not None and row.is_heading:
            self.sk.assess(list(row.members))
        elif row is not None:
            self.sk.assess([row.tenant])

    def action_assess_all(self) -> None:
        tenants = self.shown_tenants()
        if tenants:
            self.sk.assess(tenants)

    def _per_tenant(self, act: Callable[[str], object], refusal: str) -> None:
        """``act`` on the highlighted tenant; on a group heading, say why not (``refusal``): it is per tenant."""
        tenant = self.current_tenant()
        if tenant is not None:
            act(tenant)
        elif self.current() is not None:
            self.notify(f"Highlight one tenant's row to {refusal}", severity="warning")

    def action_plan(self) -> None:
        self._per_tenant(self.sk.plan, "plan it: a plan is per tenant.")

    def action_remediate(self) -> None:
        self._per_tenant(self.sk.remediate, "remediate it: remediation is per tenant.")

    def action_report(self) -> None:
        """The highlighted tenant's HTML report (a group heading: each of its tenants), in ./reports/."""
        row = self.current()
        if row is not None:
            self.sk.write_report(list(row.members) if row.is_heading else [row.tenant])

    def action_reload(self) -> None:
        self.reload()


def _drift_cell(drift: int, palette: dict[str, str]) -> Text:
    return Text(f"▼{drift}", style=f"bold {palette.get('error', '')}") if drift else Text("·")
