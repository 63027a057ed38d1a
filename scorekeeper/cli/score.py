"""``scorekeeper score``: the tenant's whole Secure Score, every control, and ``score set-state``.

Loaded lazily by ``scorekeeper.cli.main.LazyGroup``. Parse, call the engine, print: the joining,
ranking and filtering live in :mod:`scorekeeper.securescore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from scorekeeper.cli.common import EXIT_ERROR, CommandFailed, State, console, emit_json, run_async
from scorekeeper.cli.targets import tenant_options
from scorekeeper.domain.coverage import category_line, coverage_line
from scorekeeper.domain.display import NOT_SCORED, NOT_SCORED_LEGEND
from scorekeeper.util.safetext import clean

if TYPE_CHECKING:
    from rich.console import Console

    from scorekeeper.domain.coverage import Coverage
    from scorekeeper.domain.securescore import ScoreOverview, TrendPoint

BLOCKS = " ▁▂▃▄▅▆▇█"


def spark(points: Sequence[TrendPoint], width: int = 30) -> str:
    """The trend as at most ``width`` block characters, oldest on the left (each the max of its days)."""
    values = [p.score for p in points if p.score is not None]
    if not values:
        return ""
    size = -(-len(values) // width)  # days per character
    buckets = [max(values[i : i + size]) for i in range(0, len(values), size)]
    low, high = min(buckets), max(buckets)
    span = (high - low) or 1.0
    return "".join(BLOCKS[1 + round((v - low) / span * (len(BLOCKS) - 2))] for v in buckets)


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _read(state: State, names: list[str], only: Any) -> tuple[list[ScoreOverview], list[str]]:
    """Each tenant's whole score, and one line per tenant that could not be read.

    One tenant that cannot be read (unreachable, a permission missing) must not hide the others'
    scores from an MSP looking at the fleet: it gets its line and the command ends with exit 1.
    A single named tenant that cannot be read is one error line, as before.
    """
    import asyncio

    from scorekeeper.securescore.read import SecureScoreReadError

    engine = state.engine()

    async def all_of() -> list[ScoreOverview | BaseException]:
        limit = asyncio.Semaphore(state.config.settings.concurrency)

        async def one(name: str) -> ScoreOverview:
            async with limit:
                return await engine.secure_score(name, only)

        return list(await asyncio.gather(*(one(n) for n in names), return_exceptions=True))

    overviews: list[ScoreOverview] = []
    failed: list[str] = []
    for name, read in zip(names, run_async(all_of()), strict=True):
        if isinstance(read, SecureScoreReadError):  # Graph's error message inside: tenant text
            if len(names) == 1:
                raise CommandFailed(clean(str(read)), EXIT_ERROR) from None
            failed.append(f"{name}: {clean(str(read))}")
        elif isinstance(read, BaseException):
            raise read
        else:
            overviews.append(read)
    return overviews, failed


@click.group(invoke_without_command=True)
@tenant_options()
@click.option("--category", "categories", multiple=True, metavar="NAME", help="Only this category (Identity, Data...).")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Only this service (AzureAD, EXO...).")
@click.option("--covered/--not-covered", default=None, help="Only controls a plugin covers (or none covers).")
@click.option("--details", is_flag=True, help="Also print action URLs and who set each state.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (docs/schemas/score.json).")
@click.pass_context
def score(
    ctx: click.Context,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    categories: tuple[str, ...],
    services: tuple[str, ...],
    covered: bool | None,
    details: bool,
    as_json: bool,
) -> None:
    """Show the tenant's whole Secure Score: current / max, Microsoft's averages, every control.

    Controls are sorted by points still available, with their state and the scorekeeper plugin
    that covers them. Several tenants (--group, --all-tenants) give the fleet view: points
    available per control × tenant. Reads the tenant now (SecurityEvents.Read.All); the trend comes from
    history, and a tenant's first read imports the up to 90 days Microsoft keeps.
    """
    if ctx.invoked_subcommand is not None:
        return
    from scorekeeper.securescore.overview import ControlFilter

    state: State = ctx.ensure_object(State)
    names = state.config.select_tenants(tenant_names, group_names, all_tenants)
    only = ControlFilter(categories, services, covered)
    overviews, failed = _read(state, names, only)
    for line in failed:
        click.echo(f"error: {line}", err=True)
    engine = state.engine()
    coverages = [engine.score_coverage(o) for o in overviews]
    if not overviews:
        pass  # none could be read: the lines above say why
    elif as_json:
        if len(names) == 1:
            emit_json({**overviews[0].to_dict(), "coverage": coverages[0].to_dict()})
        else:
            from scorekeeper.securescore.fleet import fleet_summary

            emit_json(fleet_summary(overviews).to_dict())
    else:
        out = console()
        if len(names) == 1:
            print_overview(out, overviews[0], details=details, coverage=coverages[0])
        else:
            print_fleet(out, overviews)
            print_fleet_coverage(out, coverages)
    if failed:  # after the readable tenants are shown
        raise CommandFailed(
            f"{len(failed)} of {len(names)} tenant(s) could not be read (lines above); the others are shown",
            EXIT_ERROR,
        )


def print_coverage(out: Console, coverage: Coverage) -> None:
    """The totals line, then one line per category a plugin covers something of."""
    out.print(coverage_line(coverage.totals), markup=False)
    parts = [category_line(name, t) for name, t in coverage.by_category.items() if t.covered]
    if parts:
        out.print("  " + " · ".join(parts), markup=False, soft_wrap=False)


def print_fleet_coverage(out: Console, coverages: Sequence[Coverage]) -> None:
    """One footer line: the fleet's points covered by plugins and by automated remediation."""
    from scorekeeper.domain.coverage import fleet_totals

    out.print(f"fleet: {coverage_line(fleet_totals(coverages))}", markup=False)


def print_overview(
    out: Console, overview: ScoreOverview, *, details: bool = False, coverage: Coverage | None = None
) -> None:
    from rich.table import Table
    from rich.text import Text

    share = (
        f" ({100 * overview.current / overview.max_score:.1f} %)"
        if overview.current is not None and overview.max_score
        else ""
    )
    heading = Text(overview.tenant, style="bold")
    heading.append(
        f" Secure Score {_points(overview.current)} / {_points(overview.max_score)}"
        f"{share}, {overview.available:g} points available"
    )
    out.print(heading)
    if overview.comparisons:
        averages = " · ".join(f"{c.basis} average {_points(c.average)}" for c in overview.comparisons)
        out.print(f"  {averages}", markup=False)
    if overview.trend:
        first, last = overview.trend[0], overview.trend[-1]
        out.print(
            f"  trend {first.day} → {last.day} ({len(overview.trend)} days): "
            f"{_points(first.score)} → {_points(last.score)}",
            markup=False,
        )
        out.print(f"  {spark(overview.trend)}", markup=False)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("avail", justify="right", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("control", no_wrap=True)
    table.add_column("category", no_wrap=True)
    wide = out.width >= 100
    if wide:
        table.add_column("service", no_wrap=True)
    table.add_column("state", no_wrap=True)
    # The remediation gets its own column when there is room; else it leads the plugin cell in
    # short ("auto", "guided", "read"), so a cut name still shows it ("auto conditionalacc…").
    roomy = out.width >= 120
    table.add_column("plugin", no_wrap=True, max_width=None if roomy else 18)
    if roomy:
        table.add_column("remediation", no_wrap=True)
    for row in overview.controls:
        judged = coverage.of(row.id) if coverage is not None else None
        how = judged.remediation if judged is not None else None
        remedy = how.word if how is not None else ""
        plugin = row.covered_by or "—"
        if how is not None and not roomy:
            plugin = f"{how.short} {plugin}"
        cells = [
            _points(row.available) if row.scored else NOT_SCORED,
            f"{_points(row.score)}/{_points(row.max_score)}",
            row.id,
            row.category,
            *([row.service] if wide else []),
            row.state.state,
            plugin,
            *([remedy or "—"] if roomy else []),
        ]
        table.add_row(*(Text(cell) for cell in cells))  # Microsoft's words are text, never markup
    out.print(table)
    if coverage is not None:
        print_coverage(out, coverage)
        out.print(
            "auto/guided/read/n/a: scorekeeper writes the fix / a person acts / it only assesses / "
            "its settings do not apply in this tenant (usually a licence)",
            markup=False,
        )
    if not details:
        out.print(f"{NOT_SCORED_LEGEND}; --details for titles, status and action URLs", markup=False)
        return
    for row in overview.controls:
        out.print(Text.assemble("\n", (row.id, "bold"), " ", row.title or ""), highlight=False)
        judged = coverage.of(row.id) if coverage is not None else None
        covered = (
            f"covered by {judged.distribution}: {judged.remediation.value} remediation"
            if judged is not None and judged.plugin and judged.remediation is not None
            else ""
        )
        for line in (
            f"{row.category} · {row.service} · {row.action_type}",
            covered,
            row.implementation_status,
            row.action_url,
        ):
            if line:
                out.print(f"  {line}", markup=False)
        if row.state.updated_by or row.state.state != "Default":
            when = f" on {row.state.updated_at:%Y-%m-%d}" if row.state.updated_at else ""
            why = f": {row.state.comment}" if row.state.comment else ""
            out.print(f"  state {row.state.state} set by {row.state.updated_by or '?'}{when}{why}", markup=False)


#: Room one control column takes: "C12" or "12.5" and its padding.
CONTROL_COLUMN = 6
#: At most this many controls get a column, however wide the terminal: the legend stays a glance.
TOP_CONTROLS = 12


def print_fleet(out: Console, overviews: Sequence[ScoreOverview]) -> None:
    """Tenants in rows, the controls with the most points available over the fleet in columns.

    A person reads the tenant first, so tenant names are never cut: that column is as wide as the
    longest name. As many controls as the terminal's width leaves room for get a column, headed
    ``C1``, ``C2``... (by points available over the fleet), and the legend under the table names
    each in full; ``--json`` has every control.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from scorekeeper.securescore.fleet import fleet_summary

    summary = fleet_summary(overviews)
    name_width = max((len(o.tenant) for o in overviews), default=6)
    scores = [f"{_points(o.current)}/{_points(o.max_score)}" for o in overviews]
    score_width = max((len(text) for text in [*scores, "score"]), default=5)
    avail_width = max((len(f"{o.available:g}") for o in [*overviews]), default=5)
    used = (name_width + 2) + (score_width + 2) + (max(avail_width, 5) + 2) + 2  # each column's padding, the edges
    shown = summary.rows[: max(0, min(TOP_CONTROLS, (out.width - used) // CONTROL_COLUMN))]
    table = Table(title="Points available: tenant × top controls", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("tenant", no_wrap=True, min_width=name_width)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("avail", justify="right", no_wrap=True)
    for number, _ in enumerate(shown, 1):
        table.add_column(f"C{number}", justify="right", no_wrap=True)
    for item in overviews:
        cells = [_points(line.available.get(item.tenant)) for line in shown]
        score = f"{_points(item.current)}/{_points(item.max_score)}"
        table.add_row(Text(item.tenant), score, f"{item.available:g}", *cells)
    out.print(table)
    for number, line in enumerate(shown, 1):
        legend = Text(f"C{number} ", style="bold")
        legend.append(line.control)
        legend.append(f"  {line.total:g} points over the fleet · {line.covered_by or 'no plugin'}", style="dim")
        out.print(legend, soft_wrap=True)
    left = len(summary.rows) - len(shown)
    if left:
        out.print(f"{left} more control(s) with fewer points: `--tenant NAME` or --json lists them", markup=False)


@score.command("set-state")
@tenant_options()
@click.option(
    "--control", "control_ids", multiple=True, required=True, metavar="ID", help="Control profile id (repeatable)."
)
@click.option(
    "--state",
    "new_state",
    required=True,
    type=click.Choice(["ignored", "thirdParty", "reviewed", "default"], case_sensitive=False),
    help="Ignored (risk accepted), thirdParty (mitigated elsewhere), reviewed, or default.",
)
@click.option("--reason", required=True, metavar="TEXT", help="Why: kept as the update's comment and in history.")
@click.option("--assigned-to", metavar="UPN", help="Who the control is assigned to (kept as it is when not given).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def set_state(
    ctx: click.Context,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    control_ids: tuple[str, ...],
    new_state: str,
    reason: str,
    assigned_to: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Set control profiles' Secure Score state in one or more tenants, with one confirmation.

    Writes PATCH /security/secureScoreControlProfiles/{id} (SecurityEvents.ReadWrite.All) through
    the same plan, record-before, verify and rollback path as every remediation: each tenant's
    change is one run, undone with `scorekeeper rollback RUN`.
    """
    import asyncio

    from scorekeeper.cli.common import confirm_or_abort, echo, run_writing, signals_remembered
    from scorekeeper.cli.render import print_plans, print_run
    from scorekeeper.errors import EXIT_OK, EXIT_USAGE
    from scorekeeper.securescore.read import SecureScoreReadError

    state: State = ctx.ensure_object(State)
    if not reason.strip():
        raise CommandFailed("--reason must say why (it is kept as the state update's comment)", EXIT_USAGE)
    names = state.config.select_tenants(tenant_names, group_names, all_tenants)
    engine = state.engine()
    # One memory of SIGINT/SIGTERM from the plan's reads to the writes: no write starts after a signal.
    with signals_remembered():
        try:
            plans = run_async(engine.state_plans(names, list(control_ids), new_state, reason.strip(), assigned_to))
        except ValueError as exc:
            raise CommandFailed(clean(str(exc)), EXIT_USAGE) from None
        except SecureScoreReadError as exc:
            raise CommandFailed(clean(str(exc)), EXIT_ERROR) from None
        out = console(err=as_json)
        print_plans(out, plans)
        count = sum(len(p.items) for p in plans)
        confirm_or_abort(f"Set {count} control state(s) in {len(plans)} tenant(s)", yes)

        async def apply() -> list[Any]:
            return list(await asyncio.gather(*(engine.remediate(p.tenant, [p]) for p in plans)))

        # A signal closes the write gate: the updates in flight finish and are recorded, no new one starts.
        results, stopped = run_writing(engine, None, "remediate", apply())
    if stopped is not None:
        for result in results:
            if not as_json:
                print_run(out, result)
            echo(
                f"interrupted: run {result.run_id} stopped before it finished ({len(result.changes)} change(s) "
                f"recorded); undo with: scorekeeper rollback {result.run_id}",
                err=True,
            )
        ctx.exit(stopped)
    refused = [clean(c.error) for r in results for c in r.controls if c.error]
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "runs": [
                    {
                        "run_id": r.run_id,
                        "tenant": r.tenant,
                        "status": r.status,
                        "changes": [c.to_dict() for c in r.changes],
                        "verification": [f.to_dict() for f in r.findings],
                    }
                    for r in results
                ],
            }
        )
    else:
        for result in results:
            print_run(out, result)
            if result.changes:
                out.print(f"Undo with: scorekeeper rollback {result.run_id}")
    if refused:
        raise CommandFailed("; ".join(e.split(": ", 2)[-1] for e in refused), EXIT_ERROR)
    failed = any(r.status == "failed" for r in results) or any(
        f.status.value != "pass" for r in results for f in r.findings
    )
    if failed:
        raise CommandFailed("a state update did not stick: see the verification above", EXIT_ERROR)
    ctx.exit(EXIT_OK)
