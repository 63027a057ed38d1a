"""One control in one tenant: its settings as the latest assessment found them, and why.

The table shows status (symbol and word), current and desired values and how each setting is
remediated; the pane below it shows the highlighted setting's stage (a staged rollout), reason,
the impact of remediating it (whom it affects, by name, and what would make it safe), its values,
verdict level, evidence, guided steps and the permissions it needs — all from the recorded
finding and the plugin's declared :class:`~scorekeeper.domain.model.Setting`, nothing computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Static

from scorekeeper.domain.display import level_label, short, stage_line
from scorekeeper.domain.model import Finding, Setting, Status
from scorekeeper.domain.platform_changes import changes_ahead
from scorekeeper.reports.values import words
from scorekeeper.tui.format import fit, impact_text, pretty, score_text, sized_columns, status_text, when
from scorekeeper.tui.safe import SafeStatic, SafeTable
from scorekeeper.tui.screens.sized import SizedTableScreen
from scorekeeper.tui.widgets.activity import Activity

if TYPE_CHECKING:
    from scorekeeper.domain.model import Control, ControlResult
    from scorekeeper.tui.app import ScorekeeperApp

#: What "failing only" keeps: settings that need someone's attention to pass.
FAILING = (Status.FAIL, Status.ERROR)


#: Column widths: they add up to fit 80 columns beside the scrollbar.
COLUMNS = {"status": 11, "setting": 24, "current": 15, "desired": 15, "how": 10}


class ControlScreen(SizedTableScreen):
    """Settings table plus detail pane; f filters to failing settings."""

    TABLE_ID = "#settings"
    TABLE_COLUMNS = tuple(COLUMNS.items())

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "toggle_failing", "Failing"),
        # At 80×24 the table and the detail pane share 15 lines; d gives the detail the screen.
        Binding("d", "toggle_detail", "Detail"),
        Binding("tab", "toggle_detail", "Detail", show=False),
        Binding("a", "assess", "Assess"),
        Binding("p", "plan", "Plan"),
        Binding("r", "remediate", "Remediate"),
        Binding("t", "attest", "Attest", show=False),
        Binding("e", "except", "Exception", show=False),
        Binding("S", "set_state", "Set state", show=False),
    ]

    failing_only: reactive[bool] = reactive(False)

    def __init__(self, tenant: str, control_id: str) -> None:
        super().__init__()
        self.tenant = tenant
        self.control_id = control_id
        self.result: ControlResult | None = None
        self.run_label = ""
        self.shown: list[tuple[Setting | None, Finding | None, str]] = []
        self.loaded = False

    @property
    def sk(self) -> ScorekeeperApp:
        return self.app  # type: ignore[return-value]

    @property
    def control(self) -> Control:
        return self.sk.engine.plugins.controls[self.control_id]

    def compose(self) -> ComposeResult:
        yield Header()
        yield SafeStatic(id="control-title")
        table: DataTable[Any] = SafeTable(id="settings", cursor_type="row", cell_padding=0, zebra_stripes=True)
        yield table
        with VerticalScroll(id="setting-detail"):
            yield SafeStatic(id="setting-text")
        yield Activity()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"{self.tenant} › {self.control_id}"
        self._start_columns()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill())
        self.reload()

    def _resize(self, width: int) -> None:
        """Setting names in full first, then the values, shared fairly, as wide as they are.

        The value columns want their longest value (no fixed cap), so at 200 columns a long value
        is shown whole rather than cut beside empty space.
        """
        findings = self.result.findings if self.result is not None else ()
        longest = max((len(s.id) for s in self.control.settings), default=0) + 1
        current = max((len(said(f.current, 500)) for f in findings), default=0) + 1
        desired = max((len(said(f.desired, 500)) for f in findings), default=0) + 1
        widths = sized_columns(self.TABLE_COLUMNS, width, {"setting": longest})
        spare = max(width - sum(widths.values()) - 2, 0)
        wants = {"current": max(current - widths["current"], 0), "desired": max(desired - widths["desired"], 0)}
        # Half the spare each, then what one leaves to the other.
        half = spare // 2
        give = {label: min(want, half) for label, want in wants.items()}
        left = spare - sum(give.values())
        for label, want in wants.items():
            more = min(want - give[label], left)
            give[label] += more
            left -= more
        for label, extra in give.items():
            widths[label] += extra
        if self._set_widths(widths) and self.loaded:
            self._fill()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="control")
    def _load(self) -> None:
        # Just this pair's newest assessment, not the whole dashboard (store/controlcell.py).
        cell = self.sk.store.control_cell(self.tenant, self.control_id)
        result, label = None, "never assessed: press a to assess (reads only)"
        if cell is not None:
            result = cell.result
            score = score_text(cell.score, cell.max_score)
            label = f"{cell.run_kind} run {cell.run_id}, {when(cell.run_started_at)} · Secure Score {score}"
        self.app.call_from_thread(self._loaded, result, label)

    def _loaded(self, result: ControlResult | None, label: str) -> None:
        self.result = result
        self.run_label = label
        self._resize(self.size.width)
        self._fill()
        self.loaded = True

    def watch_failing_only(self) -> None:
        if self.is_mounted:
            self._fill()

    def _rows(self) -> list[tuple[Setting | None, Finding | None, str]]:
        """(declared setting, finding, id) per row, in the plugin's order, then any extra findings."""
        findings = {f.setting: f for f in (self.result.findings if self.result else ())}
        rows: list[tuple[Setting | None, Finding | None, str]] = [
            (s, findings.get(s.id), s.id) for s in self.control.settings
        ]
        known = set(self.control.setting_ids)
        rows += [(None, f, f.setting) for f in findings.values() if f.setting not in known]
        if self.failing_only:
            rows = [r for r in rows if r[1] is not None and r[1].status in FAILING and not r[1].excepted]
        return rows

    def _fill(self) -> None:
        palette = self.sk.palette
        title = Text()
        title.append(f"{self.control_id}", style="bold")
        title.append(f" — {self.control.title}\n{self.run_label}")
        if self.failing_only:
            title.append(" · showing failing settings only (f shows all)", style=palette.get("warning", ""))
        if self.result is not None and self.result.error:
            title.append(f"\n{self.result.error}", style=palette.get("error", ""))
        for ahead in changes_ahead(self.control, self.result.findings if self.result else (), self.sk.engine.today()):
            title.append(f"\nMicrosoft changes ahead: {ahead.line()}", style=palette.get("warning", ""))
        self.query_one("#control-title", Static).update(title)

        table = self.query_one("#settings", DataTable)
        keep = table.cursor_row
        table.clear()
        self.shown = self._rows()
        for setting, finding, setting_id in self.shown:
            how = (finding.remediation if finding else setting.remediation if setting else None) or ""
            if finding is None:
                status: Any = Text("· not read", style=palette.get("foreground-muted", ""))
                current = desired = "—"
            else:
                status = status_text(finding.status, palette)
                if finding.status.value == "not_applicable":  # "– not applicable" would run into the setting
                    status = Text(f"{finding.status.symbol} n/a", style=status.style)
                if finding.excepted:
                    status.append(" ⚑")
                status.truncate(COLUMNS["status"] - 1, overflow="ellipsis")  # one blank column before the next
                current = said(finding.current, self.widths["current"] - 1)
                desired = said(finding.desired, self.widths["desired"] - 1)
            table.add_row(status, fit(setting_id, self.widths["setting"]), current, desired, str(how), key=setting_id)
        if self.shown:
            table.move_cursor(row=min(max(keep, 0), len(self.shown) - 1))
            self._show_detail(*self.shown[table.cursor_row])
        else:
            empty = "No failing setting. Press f to show all." if self.failing_only else "This control has no settings."
            self.query_one("#setting-text", Static).update(empty)

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#settings")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.shown):
            self._show_detail(*self.shown[event.cursor_row])

    def _show_detail(self, setting: Setting | None, finding: Finding | None, setting_id: str) -> None:
        palette = self.sk.palette
        text = Text()
        title = (setting.title if setting else "") or (finding.title if finding else "")
        text.append(setting_id, style="bold")
        if title:
            text.append(f" — {title}")
        if finding is None:
            text.append("\nNot read yet: assess the tenant (a) to see this setting.")
        else:
            text.append("  ")
            text.append_text(status_text(finding.status, palette))
            if finding.stage is not None:
                _field(text, "stage", stage_line(finding.stage))
            _field(text, "reason", finding.reason or "—")
            if finding.impact is not None:
                text.append("\nImpact of remediating", style="bold")
                text.append("\n")
                text.append_text(impact_text(finding.impact, palette, indent="  "))
            _field(text, "current", said(finding.current))
            _field(text, "desired", said(finding.desired))
            if finding.excepted:
                _field(text, "excepted", finding.excepted)
            if finding.missing_permissions:
                _field(text, "missing", ", ".join(finding.missing_permissions))
        if setting is not None:
            _field(text, "level", level_label(setting.level, setting.baselines))
            if setting.level_source:
                _field(text, "  source", setting.level_source)
        how = finding.remediation if finding else setting.remediation if setting else None
        if how is not None:
            api = f" via {setting.write_api}" if setting and setting.write_api else ""
            _field(text, "remediated", f"{how.value}{api}")
        if finding is not None and finding.steps:
            text.append("\nGuided steps", style="bold")
            for step in finding.steps:
                text.append(f"\n  {step}")
        if setting is not None:
            text.append("\nPermissions", style="bold")
            _field(text, "  read", ", ".join(setting.read_permissions) or "—")
            _field(text, "  write", ", ".join(setting.write_permissions) or "—")
            if setting.directory_roles:
                _field(text, "  roles", ", ".join(setting.directory_roles))
            if setting.licence:
                _field(text, "licence", setting.licence)
            if setting.depends_on:
                _field(text, "after", ", ".join(setting.depends_on))
            if setting.docs_url:
                _field(text, "docs", setting.docs_url)
            if setting.unverified:
                _field(text, "unverified", setting.unverified)
        if finding is not None and finding.evidence:
            text.append("\nEvidence", style="bold")
            text.append("\n" + pretty(finding.evidence))
        self.query_one("#setting-text", Static).update(text)

    # ------------------------------------------------------------------ actions
    def action_toggle_failing(self) -> None:
        self.failing_only = not self.failing_only

    def action_toggle_detail(self) -> None:
        """The highlighted setting's detail on the whole screen, or the table and detail again."""
        self.toggle_class("detail-only")
        if self.has_class("detail-only"):
            self.query_one("#setting-detail").focus()
        else:
            self.query_one("#settings", DataTable).focus()

    def action_assess(self) -> None:
        self.sk.assess([self.tenant], [self.control_id])

    def action_plan(self) -> None:
        self.sk.plan(self.tenant, [self.control_id])

    def action_remediate(self) -> None:
        self.sk.remediate(self.tenant, [self.control_id])

    def action_attest(self) -> None:
        """Record that a person carried out the highlighted guided setting (who, what)."""
        setting = self._highlighted_setting()
        if setting is not None:
            self.sk.attest(self.tenant, self.control_id, setting)

    def action_except(self) -> None:
        """Accept the highlighted setting's risk until a date (an ``[[exceptions]]`` table in the config file)."""
        setting = self._highlighted_setting()
        if setting is not None:
            self.sk.add_exception(self.tenant, self.control_id, setting)

    def action_set_state(self) -> None:
        """Set this control's Secure Score state (Default, Ignored, ThirdParty, Reviewed), as ``score set-state``."""
        self.sk.set_score_state(self.tenant, self.control_id)

    def _highlighted_setting(self) -> str | None:
        table = self.query_one("#settings", DataTable)
        if 0 <= table.cursor_row < len(self.shown):
            return self.shown[table.cursor_row][2]
        return None


def said(value: Any, width: int | None = None) -> str:
    """A setting's value in words, as the reports say it ("on", "a, b", "field: value"), cut to ``width``.

    ``—`` when there is none (not read, or a guided setting with no value); the evidence below the
    detail keeps Graph's JSON.
    """
    if value is None:
        return "—"
    text = words(value)
    return text if width is None else short(text, width)


def _field(text: Text, label: str, value: str) -> None:
    text.append(f"\n{label:<10} ", style="bold")
    text.append(value)
