"""Past runs, newest first: what each found and changed, and the Secure Score over time.

Rollback (``u``) and verify (``v``) act on the highlighted run through the app, which shows the
same confirmation screen as remediation before anything is written. The list holds a page of
runs and loads the next, older one on ``m`` or when the cursor reaches its last row (keyset
paging in the store, ``store/runpages.py``); ``t`` keeps only the highlighted run's tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from scorekeeper.domain.diff import field_changes
from scorekeeper.domain.display import RUN_MARKERS, STATUS_LOOK, run_marker, short, stage_moved_to
from scorekeeper.domain.model import Outcome, Status
from scorekeeper.tui.format import (
    OUTCOME_VARIABLE,
    counts_text,
    fit,
    impact_text,
    run_status_text,
    score_text,
    sized_columns,
    status_text,
    trend_text,
    when,
)
from scorekeeper.tui.safe import SafeStatic, SafeTable
from scorekeeper.tui.screens.sized import SizedTableScreen
from scorekeeper.tui.widgets.activity import Activity

if TYPE_CHECKING:
    from scorekeeper.domain.model import Finding, RunResult, SecureScore
    from scorekeeper.store.records import RunSummary
    from scorekeeper.tui.app import ScorekeeperApp

#: How many runs a page holds: a daily tenant's year is four pages, and each is one index seek.
PAGE = 100


#: Each column's width at 80 columns (the kind carries the CLI's run markers: ``remediate ↩12``).
COLUMNS = (("run", 6), ("tenant", 10), ("kind", 14), ("status", 12), ("started", 17), ("findings", 15))

#: Fields listed per change in the run detail; the CLI's ``history RUN_ID --json`` has them all.
MAX_FIELDS_SHOWN = 4


class HistoryScreen(SizedTableScreen):
    TABLE_ID = "#runs"
    TABLE_COLUMNS = COLUMNS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("u", "rollback", "Roll back"),
        Binding("v", "verify", "Verify"),
        Binding("P", "toggle_plans", "Plans"),
        # Named on the line under the list (which says when there is more), not in the full footer.
        Binding("m", "more", "More", show=False),
        Binding("t", "toggle_tenant", "Tenant", show=False),
        Binding("g", "reload", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[RunSummary] = []
        self.loaded = False
        #: Plans are recorded but hidden, as ``scorekeeper history`` hides them without ``--all``.
        self.show_plans = False
        self.selected: RunResult | None = None
        #: The selected remediation's plan findings by (control, setting): whom each change affected.
        self.planned: dict[tuple[str, str], Finding] = {}
        #: Only this tenant's runs (``t``); every configured tenant's when ``None``.
        self.only_tenant: str | None = None
        #: Whether history holds runs older than the last one listed.
        self.more = False
        #: A page is being read: ``m`` waits for it rather than asking for the same page twice.
        self.loading = False
        #: The run ids the table lists, row by row (what the highlight was on before a re-read).
        self._shown_ids: list[int] = []

    @property
    def sk(self) -> ScorekeeperApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[Any] = SafeTable(id="runs", cursor_type="row", cell_padding=0, zebra_stripes=True)
        yield table
        yield SafeStatic(id="runs-page")
        yield SafeStatic(id="score-label")
        with VerticalScroll(id="run-detail"):
            yield SafeStatic(id="run-text")
        yield Activity()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._title()
        self._start_columns()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def _title(self) -> None:
        plans = "plans shown (P hides)" if self.show_plans else "plans hidden (P shows)"
        self.sub_title = f"history · {RUN_MARKERS} · {plans}"

    def action_toggle_plans(self) -> None:
        self.show_plans = not self.show_plans
        self._title()
        self._load(PAGE, top=True)

    def action_toggle_tenant(self) -> None:
        """Only the highlighted run's tenant, or every tenant again."""
        run_id = self.current_run_id()
        if self.only_tenant is not None:
            self.only_tenant = None
        elif run_id is not None:
            self.only_tenant = next(r.tenant for r in self.runs if r.id == run_id)
        else:
            return
        self._load(PAGE, top=True)

    def _resize(self, width: int) -> None:
        """Tenant names and times in full when the terminal has room for them."""
        longest = {
            "tenant": max((len(r.tenant) for r in self.runs), default=0),
            "started": max((len(when(r.started_at)) for r in self.runs), default=0),
        }
        widths = sized_columns(COLUMNS, width, {"started": longest["started"] + 1, "tenant": longest["tenant"] + 1})
        if self._set_widths(widths) and self.runs:
            self._fill()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        """Read the list again (after a job changed history), as many runs as it shows now."""
        self._load(max(PAGE, len(self.runs)))

    def _query(self) -> dict[str, Any]:
        """The store's filter: the chosen tenant or every configured one, plans hidden unless shown."""
        return {
            "tenants": [self.only_tenant] if self.only_tenant is not None else list(self.sk.tenants),
            "exclude_kinds": () if self.show_plans else ("plan",),
        }

    def _load(self, limit: int, *, top: bool = False) -> None:
        """Read the first ``limit`` runs; ``top``: a new list (another filter), shown from its first row."""
        self.loading = True
        self._read_first(limit, self._query(), top)

    @work(thread=True, exclusive=True, group="history")
    def _read_first(self, limit: int, query: dict[str, Any], top: bool) -> None:
        page = self.sk.store.runs_page(limit + 1, **query)  # one more: is there a next page?
        self.app.call_from_thread(self._loaded, page[:limit], len(page) > limit, top)

    def _loaded(self, runs: list[RunSummary], more: bool, top: bool = False) -> None:
        self.runs = runs
        self.more = more
        self.loading = False
        self._resize(self.size.width)
        self._fill(top)
        self._page_line()
        self.loaded = True

    def action_more(self) -> None:
        """The next page: the runs older than the last one listed."""
        if not self.more or self.loading or not self.runs:
            return
        from scorekeeper.store.runpages import RunCursor

        last = self.runs[-1]
        self.loading = True
        self._read_more(RunCursor(last.started_at, last.id), self._query())

    @work(thread=True, exclusive=True, group="history")
    def _read_more(self, after: Any, query: dict[str, Any]) -> None:
        page = self.sk.store.runs_page(PAGE + 1, after=after, **query)
        self.app.call_from_thread(self._more_loaded, after.run_id, page[:PAGE], len(page) > PAGE)

    def _more_loaded(self, after_id: int, runs: list[RunSummary], more: bool) -> None:
        if not self.runs or self.runs[-1].id != after_id:  # read again meanwhile: that read clears `loading`
            return
        self.loading = False
        self.runs += runs
        self.more = more
        self._add_rows(runs)
        self._shown_ids += [r.id for r in runs]
        self._resize(self.size.width)  # a longer tenant name or time may widen a column
        self._page_line()

    def _page_line(self) -> None:
        only = self.only_tenant
        of = f" of {only}" if only is not None else ""
        toggle = "t: all tenants" if only is not None else "t: this tenant only"
        if self.more:
            line = f"{len(self.runs)} newest runs{of} · m or ↓ at the end: {PAGE} older · {toggle}"
        else:
            line = f"{'1 run' if len(self.runs) == 1 else f'all {len(self.runs)} runs'}{of} · {toggle}"
        self.query_one("#runs-page", Static).update(Text(line, style=self.sk.palette.get("foreground-muted", "")))

    def _fill(self, top: bool = False) -> None:
        """Redraw the list; the highlight stays on the run it was on (new runs are listed above it)."""
        table = self.query_one("#runs", DataTable)
        keep = 0 if top else table.cursor_row
        kept_id = self._shown_ids[keep] if not top and 0 <= keep < len(self._shown_ids) else None
        table.clear()
        self._add_rows(self.runs)
        self._shown_ids = [r.id for r in self.runs]
        if self.runs:
            at = next((i for i, r in enumerate(self.runs) if r.id == kept_id), None)
            table.move_cursor(row=at if at is not None else min(max(keep, 0), len(self.runs) - 1))
            self._select(self.runs[table.cursor_row].id)
        else:
            self.query_one("#run-text", Static).update("No runs yet. Go back (escape) and assess a tenant (a).")

    def _add_rows(self, runs: list[RunSummary]) -> None:
        palette = self.sk.palette
        table = self.query_one("#runs", DataTable)
        for run in runs:
            kind = run.kind + run_marker(run.scheduled, run.parent_run_id)  # ⏲ and ↩N, as the CLI marks runs
            table.add_row(
                str(run.id),
                fit(run.tenant, self.widths["tenant"]),
                fit(kind, self.widths["kind"]),
                run_status_text(run.status, palette),
                fit(when(run.started_at), self.widths["started"]),
                counts_text(run.counts, palette, self.widths["findings"] - 1) if run.total else Text("—"),
                key=str(run.id),
            )

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.runs):
            self._select(self.runs[event.cursor_row].id)
        if event.cursor_row == len(self.runs) - 1:  # reaching the last row loads the next page
            self.action_more()

    def _select(self, run_id: int) -> None:
        self._load_run(run_id)

    @work(thread=True, exclusive=True, group="history-run")
    def _load_run(self, run_id: int) -> None:
        store = self.sk.store
        run = store.get_run(run_id)
        scores: list[SecureScore] = []
        control = ""
        planned: list[Finding] = []
        if run is not None and run.controls:
            control = run.controls[0].control
            scores = store.score_history(run.tenant, control, limit=60)
        if run is not None and run.kind == "remediate" and run.changes:
            # whom the changes affected: the impact the person confirmed, on the run it was planned from
            planned = store.planned_from(run_id)[1]
        self.app.call_from_thread(self._show_run, run, control, scores, planned)

    def _show_run(
        self, run: RunResult | None, control: str, scores: list[SecureScore], planned: list[Finding] | None = None
    ) -> None:
        self.planned = {(f.control, f.setting): f for f in planned or ()}
        self.selected = run
        if run is None:
            return
        points = [s.score for s in scores if s.score is not None]
        label = Text(f"Secure Score over time · {run.tenant}/{control}", style="bold")
        if points:
            newest = scores[-1]
            label.append(
                f" · {when(scores[0].taken_at)} → {when(newest.taken_at)}, now "
                f"{score_text(newest.score, newest.max_score)}"
            )
        label.append("\n")
        label.append_text(trend_text(points, scores[-1].max_score if scores else None, self.sk.palette, width=60))
        self.query_one("#score-label", Static).update(label)
        self.query_one("#run-text", Static).update(self._run_text(run))

    def _run_text(self, run: RunResult) -> Text:
        palette = self.sk.palette
        text = Text()
        text.append(f"Run {run.run_id} · {run.kind} · ", style="bold")
        text.append_text(run_status_text(run.status, palette))
        text.append(f" · {run.tenant} · started {when(run.started_at)}")
        summary = next((r for r in self.runs if r.id == run.run_id), None)
        if summary is not None and summary.parent_run_id:
            text.append(f" · for run {summary.parent_run_id}")
        if summary is not None and summary.error:
            text.append(f"\n{summary.error}", style=palette.get("warning", ""))
        for control in run.controls:
            text.append(f"\n{control.control}", style="bold")
            if control.score is not None:
                text.append(f"  Secure Score {score_text(control.score.score, control.score.max_score)}")
            if control.error:
                text.append(f"\n  {control.error}", style=palette.get("error", ""))
            for change in control.changes:
                style = palette.get(OUTCOME_VARIABLE[Outcome(change.outcome)], "")
                text.append("\n  ")
                text.append(f"{change.outcome.value:<8}", style=style)
                text.append(f" {change.setting}")
                for moved in field_changes(change.before, change.after)[:MAX_FIELDS_SHOWN]:
                    where = f"{moved.path}: " if moved.path else ""
                    text.append(f"\n             {where}{short(moved.before, 24)} → {short(moved.after, 24)}")
                if change.rolled_back_by is not None:
                    text.append(f"  (rolled back by run {change.rolled_back_by})")
                if change.error:
                    text.append(f"  {change.error}", style=palette.get("error", ""))
                text.append_text(self._affected(control.control, change.setting, palette))
            for finding in control.findings:
                text.append("\n  ")
                text.append_text(status_text(finding.status, palette))
                text.append(f" {finding.setting}: {short(finding.current, 18)}")
                if finding.reason:
                    text.append(f" — {short(finding.reason, 40)}")
        if run.kind in ("remediate", "rollback") and run.changes:
            text.append("\n\nu rolls these changes back · v reads them back (verify)")
        return text

    def _affected(self, control: str, setting: str, palette: dict[str, str]) -> Text:
        """The stage a change moved its setting to and whom it affected, as its plan recorded them."""
        text = Text()
        planned = self.planned.get((control, setting))
        if planned is None:
            return text
        moved_to = stage_moved_to(planned)
        if moved_to:
            text.append(f"\n             {STATUS_LOOK[Status.STAGED].glyph} moved to stage {moved_to}")
        if planned.impact is not None:
            text.append("\n")
            impact = planned.impact
            text.append_text(impact_text(impact, palette, indent="             ", accepted=impact.blocks))
        return text

    # ------------------------------------------------------------------ actions
    def current_run_id(self) -> int | None:
        table = self.query_one("#runs", DataTable)
        if not self.runs or not 0 <= table.cursor_row < len(self.runs):
            return None
        return self.runs[table.cursor_row].id

    def action_rollback(self) -> None:
        run_id = self.current_run_id()
        if run_id is not None:
            self.sk.rollback(run_id)

    def action_verify(self) -> None:
        run_id = self.current_run_id()
        if run_id is not None:
            self.sk.verify(run_id)

    def action_reload(self) -> None:
        self.reload()
