"""``scorekeeper report``: parse, build the report from history, render, write. Nothing else.

Registered in ``scorekeeper.cli.main.LazyGroup.lazy`` so that ``scorekeeper --help`` never imports it.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, State, pass_state
from scorekeeper.cli.targets import tenant_options
from scorekeeper.reports import FORMATS, format_for, render
from scorekeeper.reports.model import Report

FORMAT_HELP = (
    "html (default), md, json, csv, actionplan, junit or sarif; "
    "when absent, taken from -o's extension (.html .md .json .csv .xml .sarif)."
)


@click.command(epilog="Exit codes: 0 written, 2 usage error (no such run, unknown tenant, unwritable file).")
@click.argument("run_id", type=click.IntRange(1, 2**63 - 1), required=False)
@tenant_options(tenant_help="This tenant's latest assessment (repeatable; several make a fleet report).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help=FORMAT_HELP)
@click.option("--output", "-o", metavar="FILE", help="Write here, not stdout (a new file: yours only).")
@pass_state
def report(
    state: State,
    run_id: int | None,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    fmt: str | None,
    output: str | None,
) -> None:
    """Render a run, a tenant's latest assessment or a fleet as a report, from history only.

    Several tenants make a fleet report. The gate for CI is `assess`'s exit code; `report`
    exits 0 once the file is written.
    """
    fmt = _format(fmt, output)
    if output and TENANT_FIELD in output:
        _each_tenant(state, run_id, tenant_names, group_names, all_tenants, fmt, output)
        return
    report_model = _build(state, run_id, tenant_names, group_names, all_tenants)
    text = render(report_model, fmt)
    if output:
        _write(Path(output), text)
        click.echo(f"wrote {output} ({fmt}, {len(report_model.tenants)} tenant(s))", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


#: In ``--output``, where each tenant's name goes: one report per tenant (``-o reports/{tenant}.html``).
TENANT_FIELD = "{tenant}"
#: What a tenant name may keep in a file name; anything else becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _each_tenant(
    state: State,
    run_id: int | None,
    tenants: tuple[str, ...],
    groups: tuple[str, ...],
    all_tenants: bool,
    fmt: str,
    output: str,
) -> None:
    """One report per tenant, each from that tenant's latest assessment, written where ``output`` says.

    A customer gets their own file, never a fleet file holding every customer's data.
    """
    if run_id is not None:
        raise CommandFailed(f"{TENANT_FIELD} in --output needs tenants (--tenant/--group/--all-tenants)", EXIT_USAGE)
    if not tenants and not groups and not all_tenants:
        raise CommandFailed("give --tenant NAME, --group NAME or --all-tenants", EXIT_USAGE)
    names = state.config.select_tenants(tenants, groups, all_tenants, configured_only=False)
    paths = {name: Path(output.replace(TENANT_FIELD, _UNSAFE.sub("_", name))) for name in names}
    if len(set(paths.values())) < len(paths):
        raise CommandFailed(f"two tenants' names give the same file name in {output!r}", EXIT_USAGE)
    written = 0
    for name, path in paths.items():
        model = _build(state, None, (name,), (), False)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, render(model, fmt))
        written += 1
    click.echo(f"wrote {written} report(s) ({fmt}), one per tenant: {output}", err=True)


def _format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    if not output:
        return "html"
    inferred = format_for(output)
    if inferred is None:
        raise CommandFailed(f"cannot tell the format from {output!r}: pass --format ({', '.join(FORMATS)})", EXIT_USAGE)
    return inferred


def _build(
    state: State, run_id: int | None, tenants: tuple[str, ...], groups: tuple[str, ...], all_tenants: bool
) -> Report:
    from scorekeeper import __version__
    from scorekeeper.reports.branding import branding_of
    from scorekeeper.reports.build import ReportError, build_report, latest_assessments

    if run_id is not None and (tenants or groups or all_tenants):
        raise CommandFailed("give a RUN_ID or tenants (--tenant/--group/--all-tenants), not both", EXIT_USAGE)
    if run_id is None and not tenants and not groups and not all_tenants:
        raise CommandFailed("give a RUN_ID, --tenant NAME, --group NAME or --all-tenants", EXIT_USAGE)
    plugins = state.plugins
    try:
        if run_id is not None:
            run_ids = [run_id]
        else:
            # history outlives the config: a tenant removed from it can still be reported by name
            names = state.config.select_tenants(tenants, groups, all_tenants, configured_only=False)
            run_ids = latest_assessments(state.store, names)
        return build_report(
            state.store,
            run_ids,
            controls=plugins.controls,
            generator={"scorekeeper": __version__, "plugins": {p.name: p.version for p in plugins.info()}},
            branding=branding_of(state.config.reports),
        )
    except ReportError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, created readable by the owner only (``scorekeeper.util.private``)."""
    from scorekeeper.util.private import private_file

    try:
        private_file(path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise CommandFailed(f"cannot write {path}: {exc.strerror or exc}", EXIT_USAGE) from None
