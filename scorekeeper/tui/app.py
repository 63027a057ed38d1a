"""The Textual application: owns the engine, runs its operations as jobs, and hosts the screens.

The app is the one place that starts engine operations (assess, plan, remediate, verify,
rollback), so screens, key bindings and the command palette all share the same flow: a plan is
shown before anything is written, one job runs at a time, and every job reports progress
through :class:`~scorekeeper.tui.widgets.activity.Activity`. Data shown on screen is read from
the history store after each job; the app keeps no domain state of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from scorekeeper.domain.model import Plan, RunResult, Status
from scorekeeper.tui.commands import ScorekeeperCommands
from scorekeeper.tui.format import theme_palette
from scorekeeper.tui.jobs import Job, JobFinished, JobHandle, JobStarted, one_line
from scorekeeper.tui.safe import safe
from scorekeeper.tui.screens.confirm import ConfirmScreen
from scorekeeper.tui.screens.help import HelpScreen
from scorekeeper.tui.screens.history import HistoryScreen
from scorekeeper.tui.screens.overview import OverviewScreen
from scorekeeper.tui.widgets.activity import Activity

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from scorekeeper.domain.model import ProgressEvent
    from scorekeeper.engine import Engine
    from scorekeeper.engine.change import LeasedChange


def report_file_name(tenant: str) -> str:
    """A tenant's name as a file name: ``A-Z a-z 0-9 . _ -`` kept, anything else ``_`` (as the CLI's ``{tenant}``)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in tenant)


class ScorekeeperApp(App[None]):
    """``scorekeeper tui``: every tenant × control at a glance, and the work happening live."""

    CSS_PATH = "app.tcss"
    TITLE = "scorekeeper"
    COMMANDS: ClassVar = App.COMMANDS | {ScorekeeperCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("h", "history", "History"),
        Binding("s", "secure_score", "Secure Score"),
        Binding("x", "cancel_job", "Cancel"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, engine: Engine, tenants: Iterable[str]) -> None:
        super().__init__()
        self.engine = engine
        self.tenants: list[str] = list(tenants)
        self.job: JobHandle | None = None
        self.last_result: Any = None
        engine.on_progress = self._fold_progress
        self.sub_title = f"{len(self.tenants)} tenant(s) · {len(engine.plugins.controls)} control(s)"

    @property
    def store(self) -> Any:
        return self.engine.store

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast of the dashboard (screens' ``notify`` comes here too): cleaned, and plain text.

        Messages quote tenant text (a job's error is often Graph's own message); they are shown
        without terminal controls (:mod:`scorekeeper.tui.safe`) and not read as markup unless asked.
        """
        super().notify(safe(message), title=safe(title), severity=severity, timeout=timeout, markup=markup)

    @property
    def palette(self) -> dict[str, str]:
        """The active theme's colours, for Rich text built in Python (tables, detail panes).

        Computed once per theme: every highlighted row and every refill asks for it, and
        resolving the theme's CSS variables costs milliseconds each time.
        """
        cached = getattr(self, "_palette_cache", None)
        if cached is None or cached[0] != self.theme:
            cached = (self.theme, theme_palette(self.get_css_variables()))
            self._palette_cache = cached
        return cached[1]

    def on_mount(self) -> None:
        # Runs left "running" by a process that died are shown as interrupted, not as live work.
        self.store.interrupt_stale_runs()
        self.push_screen(OverviewScreen())

    # ------------------------------------------------------------------ navigation
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_history(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def action_secure_score(self) -> None:
        """The whole Secure Score of the tenant in view (the highlighted one on the overview)."""
        from scorekeeper.tui.screens.securescore import SecureScoreScreen

        current = getattr(self.screen, "current", None)
        row = current() if callable(current) else None
        tenant = getattr(row, "tenant", None) or getattr(self.screen, "tenant", None) or next(iter(self.tenants), None)
        if tenant is not None and not isinstance(self.screen, SecureScoreScreen):
            self.push_screen(SecureScoreScreen(tenant))

    # ------------------------------------------------------------------ jobs
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_job":
            return self.job is not None
        return True

    def start_job(self, job: Job) -> bool:
        """Run ``job`` in a worker unless another one is running (one tenant write path at a time)."""
        if self.job is not None:
            self.notify(f"Busy with {self.job.job.label}; wait for it or press x to cancel.", severity="warning")
            return False
        self.job = JobHandle(job)
        self.post_message(JobStarted(job))
        self._run_job(self.job)
        self.refresh_bindings()
        return True

    @work(thread=True, group="job", exit_on_error=False)
    def _run_job(self, handle: JobHandle) -> None:
        import asyncio

        try:
            result = handle.run(self.engine)
        except asyncio.CancelledError:
            self.post_message(JobFinished(handle.job, cancelled=True))
        except Exception as exc:  # shown as one line; the engine already logged details
            self.post_message(JobFinished(handle.job, error=one_line(exc)))
        else:
            self.post_message(JobFinished(handle.job, result=result))

    def _fold_progress(self, event: ProgressEvent) -> None:
        """The engine's ``on_progress``, called in the job's thread: fold the event into the job's tally.

        No message crosses to the UI thread per event; the activity panes draw the tally once per
        frame (see :mod:`scorekeeper.tui.progress`).
        """
        job = self.job
        if job is not None:
            job.progress.add(event)

    def action_cancel_job(self) -> None:
        if self.job is None:
            return
        if self.job.cancel():
            self.notify(f"Cancelling {self.job.job.label}…")
        else:
            self.notify(
                f"{self.job.job.label} cannot be cancelled safely; it will finish on its own.", severity="warning"
            )

    def _activities(self) -> list[Activity]:
        """The activity panes of the open screens (asked at a job's start and end, not per event)."""
        return [a for screen in self.screen_stack for a in screen.query(Activity)]

    def on_job_started(self, message: JobStarted) -> None:
        if self.job is None or self.job.job is not message.job:
            return  # already finished
        for activity in self._activities():
            activity.start(message.job.label, message.job.cancellable, self.job.progress)

    def on_job_finished(self, message: JobFinished) -> None:
        job = message.job
        self.job = None
        self.refresh_bindings()
        if message.cancelled:
            summary = Text(f"■ {job.label} cancelled; the run is recorded as interrupted.")
            self.notify(summary.plain, severity="warning")
        elif message.error:
            summary = Text(f"✘ {job.label} failed: {message.error}")
            self.notify(summary.plain, severity="error", timeout=10)
        else:
            self.last_result = message.result
            summary = self._summary(job, message.result)
        for activity in self._activities():
            activity.finish(summary)
        self.reload_screens()
        if not message.cancelled and not message.error and job.on_done is not None:
            job.on_done(message.result)

    def _summary(self, job: Job, result: Any) -> Text:
        runs = [r for r in (result if isinstance(result, list) else [result]) if isinstance(r, RunResult)]
        if isinstance(result, tuple) and result and isinstance(result[0], RunResult):
            runs = [result[0]]
        text = Text(f"✔ {job.label} done")
        for run in runs:
            tally = {s: sum(f.status is s for f in run.findings) for s in (Status.PASS, Status.FAIL)}
            text.append(f" · run {run.run_id} {run.status}")
            text.append(f" {Status.PASS.symbol}{tally[Status.PASS]} {Status.FAIL.symbol}{tally[Status.FAIL]}")
            if run.changes:
                text.append(f" · {len(run.changes)} change(s)")
        return text

    def reload_screens(self) -> None:
        """Re-read history on every open screen after a job changed it."""
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()

    # ------------------------------------------------------------------ operations
    def assess(self, tenants: list[str], controls: list[str] | None = None) -> bool:
        """Assess ``tenants`` (all controls unless given): reads only, so no confirmation.

        The engine records drift for every completed assessment; the overview reads it back.
        """

        async def work(engine: Engine) -> list[RunResult]:
            return await engine.assess(tenants, controls)

        what = "/".join(controls) if controls else "all controls"
        who = ", ".join(tenants) if len(tenants) <= 3 else f"{len(tenants)} tenants"
        return self.start_job(Job("assess", f"assess {who} ({what})", work))

    def plan(self, tenant: str, controls: list[str] | None = None) -> bool:
        """Assess afresh and show what remediation would change (reads only; nothing is offered to apply)."""

        async def work(engine: Engine) -> tuple[RunResult, list[Plan]]:
            return await engine.plan(tenant, controls)

        def show(result: tuple[RunResult, list[Plan]]) -> None:
            run, plans = result
            if not plans:
                self.notify(f"Nothing to change in {tenant}: every setting passes, is excepted or cannot be read.")
                return
            self.push_screen(ConfirmScreen(plans, title=f"Plan for {tenant} (run {run.run_id})", apply_label=None))

        return self.start_job(Job("plan", f"plan {tenant}", work, on_done=show))

    def promote(self, tenant: str, controls: list[str] | None = None) -> bool:
        """Move staged settings to their next stage, as ``scorekeeper promote``: the same confirmation and lease.

        The engine plans only stages that ``[remediation] promote`` allows and whose tenant evidence
        says the next stage is safe; a promotion is an ordinary recorded write, rolled back like any.
        """
        return self.remediate(tenant, controls, promotions_only=True)

    def remediate(self, tenant: str, controls: list[str] | None = None, *, promotions_only: bool = False) -> bool:
        """Plan, show the diff, and write only after the admin confirms it — all under the tenant's lease.

        The engine's one entry for changing a tenant (:meth:`~scorekeeper.engine.change.ChangingTenants.changing`)
        takes the writer lease before the plan is read; the lease is held while the confirmation
        screen is up and released when the writes are done or the plan is declined. Another
        writer's lease is the job's one-line error, before anything is read. ``promotions_only``
        plans only staged settings moving to their next stage (:meth:`promote`).
        """
        held = contextlib.ExitStack()
        verb = "promote" if promotions_only else "remediate"

        # (run, plans, change): the run first, as every plan job's result, so the activity line shows it.
        async def work(engine: Engine) -> tuple[RunResult, list[Plan], LeasedChange]:
            change = held.enter_context(engine.changing(tenant, verb))
            try:
                run, plans = await change.plan(controls, promotions_only=promotions_only)
            except BaseException:
                held.close()
                raise
            return run, plans, change

        def show(result: tuple[RunResult, list[Plan], LeasedChange]) -> None:
            run, plans, change = result
            automated = sum(len(p.automated) for p in plans)
            if not automated and promotions_only:
                held.close()
                self.notify(
                    f"No stage to move on in {tenant}: a staged setting moves only when [remediation] promote names"
                    " it and the tenant's evidence says the next stage is safe (`scorekeeper promote` says which)."
                )
                return
            if not automated:
                held.close()
                if not plans:
                    self.notify(f"Nothing to change in {tenant}: every setting passes, is excepted or cannot be read.")
                    return
                self.notify(f"No automated change to make in {tenant}; the plan lists guided steps only.")
                self.push_screen(ConfirmScreen(plans, title=f"Plan for {tenant} (run {run.run_id})", apply_label=None))
                return

            title = (
                f"Move {automated} setting(s) of {tenant} to their next stage?"
                if promotions_only
                else (f"Apply {automated} change(s) to {tenant}?")
            )
            self._confirm(plans, title, "Apply", lambda: self._apply(change, plans, held), held)

        label = f"plan the promotions of {tenant}" if promotions_only else f"plan {tenant}"
        started = self.start_job(Job("plan", label, work, on_done=show))
        if not started:
            held.close()
        return started

    def _apply(self, change: LeasedChange, plans: list[Plan], held: contextlib.ExitStack) -> None:
        """Write the confirmed plans under the lease the plan was made under, then release it."""

        async def work(engine: Engine) -> RunResult:
            try:
                return await change.apply(plans)
            finally:
                held.close()

        def done(run: RunResult) -> None:
            # The remediation verified what it wrote; a fresh assessment (reads only) brings the
            # dashboard's view of every setting and the drift baseline up to date.
            self.notify(f"Remediation run {run.run_id} {run.status}; re-assessing. Roll back from History (h, u).")
            self.assess([change.tenant], [p.control for p in plans])

        if not self.start_job(Job("remediate", f"remediate {change.tenant}", work, cancellable=False, on_done=done)):
            held.close()

    def _confirm(
        self,
        plans: list[Plan],
        title: str,
        apply_label: str,
        apply: Callable[[], object],
        held: contextlib.ExitStack | None = None,
    ) -> None:
        """Show ``plans`` for confirmation: ``apply`` on yes; on no (or escape) release ``held``, write nothing."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                apply()
                return
            if held is not None:
                held.close()
            self._declined()

        self.push_screen(ConfirmScreen(plans, title=title, apply_label=apply_label), answered)

    def _declined(self) -> None:
        self.notify("Nothing was written.")

    def rollback(self, run_id: int) -> bool:
        """Show what rolling back ``run_id`` would restore; roll back only after confirmation."""
        from scorekeeper.errors import EngineError

        try:
            tenant, plans = self.engine.rollback_plans(run_id)
        except EngineError as exc:
            self.notify(str(exc), severity="warning")
            return False
        count = sum(len(p.items) for p in plans)

        async def work(engine: Engine) -> RunResult:
            return await engine.rollback(run_id, plans)

        def done(run: RunResult) -> None:
            # Like a remediation: a fresh assessment so the dashboard shows the tenant as restored.
            self.notify(f"Rollback run {run.run_id} {run.status}; re-assessing.")
            self.assess([tenant], [p.control for p in plans])

        self._confirm(
            plans,
            f"Roll back {count} change(s) of run {run_id} in {tenant}?",
            "Roll back",
            lambda: self.start_job(Job("rollback", f"roll back run {run_id}", work, cancellable=False, on_done=done)),
        )
        return True

    def attest(self, tenant: str, control_id: str, setting: str) -> bool:
        """Ask who did a guided setting and what they did, then record it as ``scorekeeper attest`` does."""
        from scorekeeper.domain.attestation import attest_refusal
        from scorekeeper.tui.screens.attest import AttestScreen

        control = self.engine.plugins.controls[control_id]
        refusal = attest_refusal(control, setting, tenant)
        if refusal:
            self.notify(refusal, severity="warning", timeout=10)
            return False

        def answered(answer: tuple[str, str] | None) -> None:
            from datetime import UTC, datetime

            from scorekeeper.domain.model import Attestation

            if answer is None:
                self._declined()
                return
            by, note = answer
            recorded = self.store.record_attestation(
                Attestation(tenant, control_id, setting, by, note, datetime.now(UTC))
            )
            self.notify(f"Attestation {recorded} recorded: {tenant}/{control_id}/{setting} by {by}.")
            self.reload_screens()

        self.push_screen(AttestScreen(f"{tenant} › {control_id}/{setting}"), answered)
        return True

    def add_exception(self, tenant: str, control_id: str, setting: str) -> bool:
        """Accept the risk of one setting until a date: an ``[[exceptions]]`` table appended to the config file.

        Exceptions are configuration (``assess``, ``plan``, the scheduler and ``config check``
        read them from the file), so the dashboard writes them there, validated by the config's
        own model and after the admin has seen the table (:mod:`scorekeeper.tui.exception`). The
        engine then knows the rule too, and an assessment of the control (reads only) shows the
        finding as excepted.
        """
        from scorekeeper.tui.exception import exception_rule
        from scorekeeper.tui.screens.exception import ExceptionScreen

        config = self.engine.config
        if config.source is None:
            self.notify(
                "No config file to write the exception to: start the dashboard with --config FILE.", severity="warning"
            )
            return False
        existing = next((r for r in config.exceptions if r.covers(tenant, control_id, setting)), None)
        if existing is not None:
            self.notify(
                f"{tenant}/{control_id}/{setting} is already excepted until {existing.expires}: "
                f"edit [[exceptions]] in {config.source} to change it.",
                severity="warning",
                timeout=10,
            )
            return False

        def check(reason: str, expires: str) -> Any:
            return exception_rule(tenant, control_id, setting, reason, expires, self.engine.today())

        def answered(rule: Any) -> None:
            if rule is None:
                self._declined()
                return
            self._append_exception(rule)

        self.push_screen(ExceptionScreen(f"{tenant} › {control_id}/{setting}", str(config.source), check), answered)
        return True

    def _append_exception(self, rule: Any) -> None:
        """Append the confirmed rule to the file (the whole file validated first), then re-assess the control."""
        from pathlib import Path

        from scorekeeper.engine.partner import append_tables
        from scorekeeper.errors import ConfigError
        from scorekeeper.tui.exception import exception_table

        config = self.engine.config
        try:
            append_tables(Path(str(config.source)), exception_table(rule), data_dir=self.engine.data_dir)
        except (ConfigError, OSError) as exc:
            self.notify(f"Nothing written to {config.source}: {one_line(exc)}", severity="error", timeout=10)
            return
        config.exceptions = [*config.exceptions, rule]
        self.notify(
            f"Exception for {rule.tenant}/{rule.control}/{rule.setting} until {rule.expires} appended to "
            f"{config.source}; re-assessing {rule.control} (reads only)."
        )
        self.assess([str(rule.tenant)], [rule.control])

    def set_score_state(self, tenant: str, control_id: str, current: str = "") -> bool:
        """Set a control's Secure Score state as ``scorekeeper score set-state`` does, after a confirmation.

        The admin picks the state and says why; the tenant's writer lease is taken before the
        control profile is read (:meth:`~scorekeeper.engine.change.ChangingTenants.changing`) and
        held across the confirmation, the plan is the engine's ``state_plans`` and the write its
        ``remediate`` (recorded before the PATCH, verified by reading back, undone from History
        like any run). The screen's Secure Score is read again afterwards.
        """
        from scorekeeper.tui.screens.state import StateScreen

        def answered(answer: Any) -> None:
            if answer is None:
                self._declined()
                return
            self._plan_state(tenant, control_id, answer.state, answer.reason, answer.assigned_to)

        self.push_screen(StateScreen(f"{control_id} in {tenant}", current), answered)
        return True

    def _plan_state(self, tenant: str, control_id: str, state: str, reason: str, assigned_to: str | None) -> None:
        held = contextlib.ExitStack()

        async def work(engine: Engine) -> list[Plan]:
            held.enter_context(engine.changing(tenant, "set-state"))
            try:
                return await engine.state_plans([tenant], [control_id], state, reason, assigned_to)
            except BaseException:
                held.close()
                raise

        def show(plans: list[Plan]) -> None:
            if not any(p.automated for p in plans):
                held.close()
                self.notify(f"Nothing to change: {control_id} in {tenant} already says that.")
                return

            title = f"Set the Secure Score state of {control_id} in {tenant}?"
            self._confirm(plans, title, "Set state", lambda: self._write_state(tenant, plans, held), held)

        if not self.start_job(Job("plan", f"plan the state of {control_id} in {tenant}", work, on_done=show)):
            held.close()

    def _write_state(self, tenant: str, plans: list[Plan], held: contextlib.ExitStack) -> None:
        async def work(engine: Engine) -> RunResult:
            try:
                return await engine.remediate(tenant, plans)
            finally:
                held.close()

        def done(run: RunResult) -> None:
            stuck = run.status != "failed" and all(f.status is Status.PASS for f in run.findings)
            if stuck:
                self.notify(f"State set: run {run.run_id}; undo from History (h, u). Reading the Secure Score again.")
            else:
                self.notify(
                    f"The state update did not stick (run {run.run_id} {run.status}): see its verification in History.",
                    severity="error",
                    timeout=10,
                )
            self.read_secure_score(tenant)

        if not self.start_job(Job("remediate", f"set state in {tenant}", work, cancellable=False, on_done=done)):
            held.close()

    def read_secure_score(self, tenant: str) -> bool:
        """Read ``tenant``'s Secure Score now (reads only); the screens reload from the history it updates."""

        async def read(engine: Engine) -> Any:
            return await engine.secure_score(tenant)

        return self.start_job(Job("score", f"read Secure Score of {tenant}", read))

    def write_report(self, tenants: list[str]) -> None:
        """Write each tenant's HTML report from its latest assessment, as ``report -o reports/{tenant}.html``.

        Reads history only (no tenant is contacted), in a worker thread; the same functions as the
        CLI's ``report`` build and render it.
        """
        self._write_reports(list(tenants))

    @work(thread=True, group="report", exit_on_error=False)
    def _write_reports(self, tenants: list[str]) -> None:
        from pathlib import Path

        from scorekeeper import __version__
        from scorekeeper.reports import render
        from scorekeeper.reports.build import ReportError, build_report, latest_assessments
        from scorekeeper.util.private import private_file

        plugins = self.engine.plugins
        generator = {"scorekeeper": __version__, "plugins": {p.name: p.version for p in plugins.info()}}
        written: list[str] = []
        for tenant in tenants:
            try:
                report = build_report(
                    self.store, latest_assessments(self.store, [tenant]), controls=plugins.controls, generator=generator
                )
                path = Path("reports") / f"{report_file_name(tenant)}.html"
                private_file(path)
                path.write_text(render(report, "html"), encoding="utf-8")
            except (ReportError, OSError) as exc:
                self.call_from_thread(self.notify, f"No report for {tenant}: {exc}", severity="warning")
                continue
            written.append(str(path))
        if written:
            self.call_from_thread(self.notify, "Wrote " + ", ".join(written) + " (from history; open in a browser).")

    def verify(self, run_id: int) -> bool:
        """Read back every setting a remediation or rollback changed, as a new verify run."""
        run = self.store.get_run(run_id)
        if run is None or not any(c.outcome.value == "applied" for c in run.changes):
            self.notify(f"Run {run_id} made no changes to verify.", severity="warning")
            return False

        async def work(engine: Engine) -> RunResult:
            return await engine.verify(run_id)

        return self.start_job(Job("verify", f"verify run {run_id}", work, cancellable=False))
