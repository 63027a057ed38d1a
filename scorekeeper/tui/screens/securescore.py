"""The Secure Score screen: a tenant's whole score with its trend, and every control ranked by points available.

Shown from history (:func:`scorekeeper.securescore.history.secure_score_overview`, read in a
worker thread), so it paints without calling the tenant; ``g`` reads the tenant now (reads only,
as a job, like an assessment) and the screen reloads from the history that read updated.
Controls a plugin covers are marked with the plugin and how it remediates them (auto, guided,
read), and the totals line says how many of the tenant's points plugins cover and how many
automated remediation covers, in the words of ``scorekeeper score`` (the engine's one judgement,
:meth:`~scorekeeper.engine.score.Scoring.score_coverage`). ``enter`` opens a covered control's
view; ``S`` sets the highlighted control's Secure Score state as ``score set-state`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from scorekeeper.domain.coverage import Remediation, coverage_line
from scorekeeper.domain.display import NOT_SCORED, NOT_SCORED_LEGEND
from scorekeeper.tui.format import colour, fit, score_text, sized_columns, sparkline
from scorekeeper.tui.safe import SafeStatic, SafeTable
from scorekeeper.tui.screens.sized import SizedTableScreen
from scorekeeper.tui.widgets.activity import Activity

if TYPE_CHECKING:
    from scorekeeper.domain.coverage import Coverage
    from scorekeeper.domain.securescore import ControlScore, ScoreOverview
    from scorekeeper.tui.app import ScorekeeperApp

COLUMNS = (
    ("avail", 6),
    ("points", 8),
    ("control", 25),
    ("category", 9),
    ("state", 11),
    ("plugin", 10),
    ("how", 7),
)
#: How a covered control is remediated, in the ``how`` column (the CLI's short words).


class ScoreTable(SafeTable):
    """The controls table: enter selects the row under the cursor, named in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open control")]


class SecureScoreScreen(SizedTableScreen):
    """One tenant's Secure Score; ``enter`` opens a covered control, ``g`` reads the tenant now."""

    TABLE_ID = "#score-controls"
    TABLE_COLUMNS = COLUMNS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        # Not a priority binding (see the overview): the table's own enter is handled after the
        # arrow keys typed before it, so the row opened is the row the cursor reached.
        Binding("enter", "open", "Open control", show=False),
        Binding("g", "fetch", "Read now"),
        Binding("c", "toggle_covered", "Covered only"),
        Binding("S", "set_state", "Set state"),
    ]

    def __init__(self, tenant: str) -> None:
        super().__init__()
        self.tenant = tenant
        self.overview: ScoreOverview | None = None
        self.coverage: Coverage | None = None
        self.rows: list[ControlScore] = []
        self.covered_only = False
        self.loaded = False

    @property
    def sk(self) -> ScorekeeperApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="score-body"):
            yield SafeStatic(id="score-total")
            table: DataTable[Any] = ScoreTable(
                id="score-controls", cursor_type="row", cell_padding=0, zebra_stripes=True
            )
            yield table
            with VerticalScroll(id="score-detail-pane"):
                yield SafeStatic(id="score-detail")
        yield Activity()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Secure Score · {self.tenant}"
        self._start_columns()
        self.reload()

    def _resize(self, width: int) -> None:
        """The defaults at 80 columns; wider, control ids and then plugin names in full."""
        rows = self.overview.controls if self.overview is not None else ()
        wants = {
            "control": max((len(r.id) for r in rows), default=0) + 1,
            "plugin": max((len(r.covered_by) + 2 for r in rows if r.covered_by), default=0) + 1,
        }
        widths = sized_columns(COLUMNS, width, wants)
        if self._set_widths(widths) and self.loaded:
            self._fill()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="securescore")
    def _load(self) -> None:
        from scorekeeper.securescore.history import secure_score_overview

        engine = self.sk.engine
        overview = secure_score_overview(engine.store, self.tenant, engine.coverage())
        coverage = engine.score_coverage(overview) if overview is not None else None
        self.app.call_from_thread(self._loaded, overview, coverage)

    def _loaded(self, overview: ScoreOverview | None, coverage: Coverage | None = None) -> None:
        self.overview = overview
        self.coverage = coverage
        self._resize(self.size.width)
        self._fill()
        self.loaded = True

    def _fill(self) -> None:
        overview = self.overview
        table = self.query_one("#score-controls", DataTable)
        table.clear()
        total = self.query_one("#score-total", Static)
        if overview is None:
            self.rows = []
            total.update(f"No Secure Score of {self.tenant} in history yet. Press g to read it now (reads only).")
            self.query_one("#score-detail", Static).update("")
            return
        total.update(self._total_text(overview))
        self.rows = [c for c in overview.controls if c.covered_by or not self.covered_only]
        palette = self.sk.palette
        for row in self.rows:
            table.add_row(*self._cells(row, palette, self.widths, self._how(row)), key=row.id)
        if self.rows:
            table.move_cursor(row=0)
            self._show(self.rows[0])
        else:
            self.query_one("#score-detail", Static).update("No control profile recorded yet: press g.")

    def _total_text(self, overview: ScoreOverview) -> Text:
        palette = self.sk.palette
        text = Text(f"{self.tenant} · Secure Score ", style="bold")
        text.append(score_text(overview.current, overview.max_score), style="bold")
        if overview.current is not None and overview.max_score:
            text.append(f" ({100 * overview.current / overview.max_score:.1f} %)")
        text.append(f" · {overview.available:g} points available")
        for comparison in overview.comparisons:
            average = "—" if comparison.average is None else f"{comparison.average:g}"
            text.append(f" · {comparison.basis} avg {average}")
        trend = [p.score for p in overview.trend if p.score is not None]
        if trend:
            first, last = overview.trend[0], overview.trend[-1]
            text.append(f"\nTrend {first.day} → {last.day} ({len(overview.trend)} days) ", style="bold")
            text.append(sparkline(trend, overview.max_score, width=48), style=colour(palette, "accent"))
            text.append(f"  {trend[0]:g} → {trend[-1]:g}")
        if self.coverage is not None:
            text.append(f"\n{coverage_line(self.coverage.totals)}")
        if any(not c.scored for c in overview.controls):
            text.append(f"\n{NOT_SCORED_LEGEND}", style="dim")
        return text

    def _how(self, row: ControlScore) -> str:
        """How the plugin covering ``row`` remediates it ("automated", "guided", "assess-only"), or ""."""
        judged = self.coverage.of(row.id) if self.coverage is not None else None
        return judged.remediation.value if judged is not None and judged.remediation is not None else ""

    @staticmethod
    def _cells(row: ControlScore, palette: dict[str, str], widths: dict[str, int], how: str = "") -> list[Any]:
        available = NOT_SCORED if row.available is None else f"{row.available:g}"
        covered = (
            Text(fit(f"✔ {row.covered_by}", widths["plugin"]), style=colour(palette, "success"))
            if row.covered_by
            else Text("—")
        )
        return [
            available,
            score_text(row.score, row.max_score) if row.score is not None else f"—/{row.max_score or 0:g}",
            fit(row.id, widths["control"]),
            fit(row.category, widths["category"]),
            fit(row.state.state, widths["state"]),
            covered,
            Remediation(how).short if how else "—",
        ]

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#score-controls")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self._show(self.rows[event.cursor_row])

    def _show(self, row: ControlScore) -> None:
        text = Text(f"{row.id}", style="bold")
        text.append(f" — {row.title or '(no control profile)'}\n")
        text.append(f"{row.category} · {row.service} · {row.action_type or '—'} · tier {row.tier or '—'}\n")
        if row.implementation_status:
            text.append(f"{row.implementation_status}\n")
        if row.action_url:
            text.append(f"Act at {row.action_url}\n")
        state = row.state
        if state.updated_by or state.state != "Default":
            when = f" on {state.updated_at:%Y-%m-%d %H:%M} UTC" if state.updated_at else ""
            why = f": {state.comment}" if state.comment else ""
            text.append(f"State {state.state} set by {state.updated_by or '?'}{when}{why}\n")
        how = self._how(row)
        judged = self.coverage.of(row.id) if self.coverage is not None else None
        if row.covered_by:
            named = judged.distribution if judged is not None and judged.distribution else row.covered_by
            text.append(f"Covered by {named}", style="bold")
            text.append(f": {how} remediation" if how else "")
            text.append(". Enter opens its settings; S sets its state.")
        else:
            text.append("No installed plugin covers this control: act on it in Microsoft's portal (S sets its state).")
        self.query_one("#score-detail", Static).update(text)

    # ------------------------------------------------------------------ actions
    @on(DataTable.RowSelected, "#score-controls")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open_row(event.cursor_row)

    def action_open(self) -> None:
        self._open_row(self.query_one("#score-controls", DataTable).cursor_row)

    def _open_row(self, index: int) -> None:
        from scorekeeper.tui.screens.control import ControlScreen

        if not self.rows or not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        if not row.covered_by:
            self.notify(f"{row.id} is not covered by an installed plugin.", severity="warning")
            return
        self.app.push_screen(ControlScreen(self.tenant, row.id))

    def action_toggle_covered(self) -> None:
        self.covered_only = not self.covered_only
        self._fill()

    def action_fetch(self) -> None:
        self.sk.read_secure_score(self.tenant)

    def action_set_state(self) -> None:
        """Set the highlighted control's Secure Score state, after the usual plan and confirmation."""
        index = self.query_one("#score-controls", DataTable).cursor_row
        if self.rows and 0 <= index < len(self.rows):
            row = self.rows[index]
            self.sk.set_score_state(self.tenant, row.id, row.state.state)
