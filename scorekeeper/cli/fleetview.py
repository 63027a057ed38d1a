"""The fleet view of ``assess``/``plan``/``remediate``/``verify``/``rollback``: one line per tenant.

An operator who runs a command over thirty (or three hundred) tenants reads which tenants need
attention, not every setting of every tenant: each tenant gets one line with its counts, points
and what its exit code means, and a totals line closes the list. ``--verbose`` (or naming a
single tenant) brings back the per-setting tables. The choice and the lines live here so every
fleet command agrees on them; :mod:`scorekeeper.cli.operations` only asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scorekeeper.domain.model import RestoreStatus, RunResult, Status
from scorekeeper.errors import EXIT_ERROR, EXIT_FAIL, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

#: The statuses a fleet line counts, in the order an operator scans them.
COUNTED = (
    (Status.PASS, "pass"),
    (Status.FAIL, "fail"),
    (Status.ADVICE, "advice"),
    (Status.STAGED, "staged"),
    (Status.UNKNOWN, "unknown"),
)

#: Whether the command running now prints the fleet view (set by :func:`fleet_mode`).
_SUMMARISING: ContextVar[bool] = ContextVar("scorekeeper_fleet_summary", default=False)


def verbose_option(command: F) -> F:
    """``--verbose``: every tenant's per-setting tables even when several tenants are selected."""
    return click.option(
        "--verbose",
        "verbose",
        is_flag=True,
        help="Per-setting details for every tenant (the default for one named tenant; a fleet gets one line each).",
    )(command)


def summarise(tenants: Sequence[str], group_names: Sequence[str], all_tenants: bool, verbose: bool) -> bool:
    """The fleet view is the default for ``--group``/``--all-tenants`` or several tenants; details otherwise."""
    if verbose:
        return False
    return bool(group_names) or all_tenants or len(tenants) > 1


@contextmanager
def fleet_mode(on: bool) -> Iterator[None]:
    """While inside, :func:`summarising` answers ``on`` (the per-tenant helpers of a command ask it)."""
    token = _SUMMARISING.set(on)
    try:
        yield
    finally:
        _SUMMARISING.reset(token)


def summarising() -> bool:
    """Whether the command running now prints one line per tenant instead of its tables."""
    return _SUMMARISING.get()


def exit_meaning(code: int) -> str:
    """What a tenant's exit code means, in the words a fleet line uses."""
    if code == EXIT_OK:
        return "ok"
    if code == EXIT_FAIL:
        return "a requirement fails"
    if code == EXIT_ERROR:
        return "could not assess or write everything"
    if code == EXIT_USAGE:
        return "refused"
    if code > 128:
        return "interrupted"
    return "see above"


def tally(runs: Iterable[RunResult]) -> dict[Status, int]:
    """How many findings of ``runs`` have each status."""
    counted = dict.fromkeys(Status, 0)
    for run in runs:
        for finding in run.findings:
            counted[finding.status] += 1
    return counted


def points(runs: Iterable[RunResult]) -> tuple[float, float] | None:
    """Secure Score points earned / possible over the controls of ``runs`` that reported a score."""
    earned = possible = 0.0
    seen = False
    for run in runs:
        for control in run.controls:
            score = control.score
            if score is None or score.score is None or score.max_score is None:
                continue
            seen = True
            earned += score.score
            possible += score.max_score
    return (earned, possible) if seen else None


def counts_text(runs: Sequence[RunResult]) -> str:
    """``12 pass · 3 fail · 1 advice · 0 staged · 0 unknown · points 7/19``."""
    counted = tally(runs)
    parts = [f"{counted[status]} {word}" for status, word in COUNTED]
    errors = counted[Status.ERROR]
    if errors:
        parts.append(f"{errors} error")
    shown = points(runs)
    parts.append(f"points {shown[0]:g}/{shown[1]:g}" if shown else "points —")
    return " · ".join(parts)


def tenant_line(run: RunResult, code: int, extra: str = "") -> str:
    """One tenant of a fleet command: name, counts, points, exit code and what it means."""
    kind = f"{run.kind} run {run.run_id}" if run.run_id is not None else run.kind
    if run.unreachable:  # never reached: the reason once, no counts (domain/outcome.unreachable)
        return f"{run.tenant}: {run.unreachable} — {kind} failed, exit {code} (could not reach the tenant)"
    tail = f" · {extra}" if extra else ""
    return f"{run.tenant}: {counts_text([run])}{tail} — {kind}, exit {code} ({exit_meaning(code)})"


def totals_line(runs: Sequence[RunResult], codes: Sequence[int], extra: str = "") -> str:
    """The closing line of a fleet command: tenants, counts over all of them, how many need attention."""
    attention = sum(1 for code in codes if code != EXIT_OK)
    tail = f" · {extra}" if extra else ""
    return (
        f"total {len(runs)} tenant(s): {counts_text(runs)}{tail} — {attention} tenant(s) need attention"
        if attention
        else f"total {len(runs)} tenant(s): {counts_text(runs)}{tail} — all ok"
    )


def print_fleet(console: Console, runs: Sequence[RunResult], codes: Sequence[int]) -> None:
    """Every tenant's line, then the totals: the whole output of a fleet command (not a table: grep-able)."""
    for run, code in zip(runs, codes, strict=True):
        console.print(tenant_line(run, code), markup=False, highlight=False, soft_wrap=True)
    console.print(totals_line(runs, codes), markup=False, highlight=False, soft_wrap=True)


def _plan_counts(plans: Iterable[Any]) -> tuple[int, int]:
    automated = sum(len(p.automated) for p in plans)
    guided = sum(len(p.guided) for p in plans)
    return automated, guided


def plan_line(run: RunResult, plans: Sequence[Any]) -> str:
    """One tenant of ``plan`` over a fleet: how many changes a remediation would make, how many need a person."""
    automated, guided = _plan_counts(plans)
    controls = len({p.control for p in plans if p.automated})
    what = (
        f"{automated} automated change(s) in {controls} control(s), {guided} guided" if plans else "nothing to change"
    )
    return f"{run.tenant}: {what} — plan run {run.run_id}"


def plan_totals_line(found: Sequence[dict[str, Any]]) -> str:
    """The closing line of ``plan`` over a fleet, from its JSON entries (one per tenant)."""
    kinds = [item["kind"] for entry in found for plan in entry["controls"] for item in plan["items"]]
    automated, guided = kinds.count("automated"), kinds.count("guided")
    waiting = sum(1 for entry in found if entry["controls"])
    return (
        f"total {len(found)} tenant(s): {automated} automated change(s), {guided} guided, in {waiting} tenant(s)"
        " — `remediate` with the same selection applies the automated ones; --verbose shows each"
    )


def fleet_undo_line(outputs: Sequence[dict[str, Any]], codes: Sequence[int]) -> str:
    """The closing line of ``remediate`` over several tenants: what was written and the one command that undoes it."""
    written = [o for o in outputs if o.get("run_id") is not None]
    attention = sum(1 for code in codes if code != EXIT_OK)
    head = f"total {len(outputs)} tenant(s): {len(written)} remediated, {attention} need attention"
    if not written:
        return f"{head}; nothing was written"
    first = min(int(o["run_id"]) for o in written)
    return f"{head}; undo them all with: scorekeeper rollback --fleet {first}"


def restore_line(result: RunResult, undone_run: int, code: int) -> str:
    """One tenant of ``rollback --fleet``: how its changes came back."""
    from collections import Counter

    done = Counter(r.status.value for r in result.restorations)
    what = " · ".join(f"{n} {status}" for status, n in sorted(done.items())) or "no change to restore"
    left = sorted({r.change.setting for r in result.restorations if r.status is RestoreStatus.FAILED})
    # What is left and how to retry it (each restoration's reason: `history RUN` or --verbose).
    retry = f"; left: {', '.join(left)} (`scorekeeper rollback {undone_run}` retries them)" if left else ""
    return (
        f"{result.tenant}: run {undone_run} rolled back: {what}{retry} — rollback run {result.run_id}, "
        f"exit {code} ({exit_meaning(code)})"
    )


def rollback_fleet(state: Any, run_id: int, yes: bool, as_json: bool, verbose: bool) -> None:
    """``rollback --fleet RUN``: every run the command that recorded ``RUN`` wrote, after one confirmation.

    Each tenant's lease is held from its plan to its writes (as a single rollback holds one); a
    run with nothing left to undo is one line and no failure. Exit 1 when any tenant's changes
    could not all be restored, 130/143 when a signal stopped it.
    """
    import sys
    from contextlib import ExitStack

    from scorekeeper.cli.common import (
        CommandFailed,
        confirm_or_abort,
        console,
        emit_json,
        lease_or_fail,
        run_writing,
        signals_remembered,
    )
    from scorekeeper.cli.render import print_plans, print_restorations, print_run
    from scorekeeper.errors import NothingToRollBack

    store = state.existing_store(f"run {run_id} in history")
    batch = [r for r in store.batch_of(run_id) if r.kind in ("remediate", "promote")]
    if not batch:
        raise CommandFailed(f"run {run_id} is no remediation in history; --fleet rolls back remediations", EXIT_USAGE)
    engine = state.engine()
    out = console(err=as_json)
    results: list[RunResult] = []
    codes: list[int] = []
    stopped: int | None = None
    with signals_remembered(), ExitStack() as leases:
        for tenant in dict.fromkeys(r.tenant for r in batch):
            leases.enter_context(lease_or_fail(state, tenant, "rollback"))
        planned: list[tuple[int, str, Any]] = []
        for summary in batch:
            try:
                tenant, plans = engine.rollback_plans(summary.id)
            except NothingToRollBack:
                out.print(f"{summary.tenant}: run {summary.id} has nothing left to roll back", markup=False)
                continue
            planned.append((summary.id, tenant, plans))
            if verbose:
                print_plans(out, plans)
        if not planned:
            sys.exit(EXIT_OK)
        changes = sum(len(p.items) for _, _, plans in planned for p in plans)
        runs = ", ".join(str(rid) for rid, _, _ in planned)
        confirm_or_abort(f"Roll back {changes} change(s) of {len(planned)} run(s) ({runs}), one per tenant", yes)

        def done(undone: int, result: RunResult) -> None:  # each tenant's line as it finishes
            code = EXIT_ERROR if result.status != "completed" else EXIT_OK
            if as_json:
                pass
            elif verbose:
                print_run(out, result)
                print_restorations(out, result, undone)
            else:
                out.print(restore_line(result, undone, code), markup=False, highlight=False, soft_wrap=True)

        # Every tenant concurrently (at most [scorekeeper] concurrency, one writer per tenant).
        batches = [(undone, plans) for undone, _, plans in planned]
        results, stopped = run_writing(engine, None, "rollback", engine.rollback_fleet(batches, on_done=done))
        codes = [EXIT_ERROR if r.status != "completed" else EXIT_OK for r in results]
    if as_json:
        emit_json({"schema_version": 1, "runs": [r.to_dict() for r in results]})
    else:
        failed = sum(1 for c in codes if c != EXIT_OK)
        out.print(
            f"total {len(results)} tenant(s) rolled back, {failed} with changes left; "
            + (f"`scorekeeper rollback --fleet {run_id}` retries exactly what is left" if failed else "all restored"),
            markup=False,
            highlight=False,
        )
    if stopped is not None:
        click.echo(
            f"interrupted: {len(results)} tenant(s) rolled back before the signal; nothing started after it", err=True
        )
        sys.exit(stopped)
    sys.exit(EXIT_ERROR if any(codes) else EXIT_OK)
