"""``plugins``, ``controls``, ``permissions``: what is installed and what it needs, without a tenant.

These commands read only the plugin registry and the config, never a tenant, so they share
nothing with the commands that act on one and live apart from them.
"""

from __future__ import annotations

import json
import sys

import click

from scorekeeper.cli.common import State, console, emit_json, pass_state
from scorekeeper.errors import EXIT_ERROR


def register_commands(cli: click.Group) -> None:
    """Add this family's commands to ``cli`` (the root group calls this; it imports nothing back)."""
    cli.add_command(plugins)
    cli.add_command(controls)
    cli.add_command(permissions)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def plugins(state: State, as_json: bool) -> None:
    """List installed plugins: name, version, hooks and controls."""
    rows = state.plugins.info()
    if as_json:
        emit_json(
            {
                "plugins": [r.__dict__ for r in rows],
                "problems": [p.__dict__ for p in state.plugins.problems],
            }
        )
        return
    from rich.table import Table

    table = Table("plugin", "distribution", "version", "hooks", "controls")
    for row in rows:
        table.add_row(row.name, row.distribution, row.version, ", ".join(row.hooks), ", ".join(row.controls))
    console().print(table)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def controls(state: State, as_json: bool) -> None:
    """List the Secure Score controls the installed plugins provide, with their settings."""
    found = list(state.plugins.controls.values())
    if as_json:
        emit_json(
            {
                "controls": [
                    {
                        "control": c.id,
                        "title": c.title,
                        "plugin": c.plugin,
                        "min_licence": c.min_licence,
                        "apis": list(c.apis),
                        "auth_flows": list(c.auth_flows),
                        "settings": [
                            {"id": s.id, "title": s.title, "remediation": s.remediation.value} for s in c.settings
                        ],
                    }
                    for c in found
                ]
            }
        )
        return
    from rich.table import Table

    for control in found:
        table = Table(
            "setting",
            "title",
            "remediation",
            "APIs",
            title=f"{control.id}: {control.title} "
            f"(plugin {control.plugin}, needs {control.min_licence or 'no licence'})",
            title_justify="left",
        )
        for s in control.settings:
            table.add_row(s.id, s.title, s.remediation.value, ", ".join(s.apis))
        console().print(table)


@click.command()
@click.option("--control", "control_id", metavar="ID", help="Only this control.")
@click.option("--all", "all_controls", is_flag=True, help="Every installed control (the default).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (same as --format json).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "manifest"]),
    default="table",
    show_default=True,
    help="manifest: the app registration's requiredResourceAccess for Microsoft Graph.",
)
@click.option(
    "--phase",
    type=click.Choice(["assess", "remediate"]),
    default="remediate",
    show_default=True,
    help="With --format manifest: grant what assessing needs, or assessing and remediating.",
)
@pass_state
def permissions(state: State, control_id: str | None, all_controls: bool, as_json: bool, fmt: str, phase: str) -> None:
    """Least-privilege permissions and roles needed to assess and to remediate."""
    from scorekeeper.engine.permissions import MissingPermissionIdError, permission_report, required_resource_access

    if control_id and all_controls:
        raise click.UsageError("--control and --all exclude each other")
    if as_json and fmt == "manifest":
        raise click.UsageError("--json and --format manifest exclude each other")
    from scorekeeper.engine.controls import select_controls

    selected = select_controls(state.plugins, [control_id] if control_id else None, state.config.source)
    report = permission_report(selected)
    if fmt == "manifest":
        try:
            manifest = required_resource_access(report, phase)
        except MissingPermissionIdError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(json.dumps(manifest, indent=2))  # Microsoft's shape exactly: no schema_version added
        return
    if as_json or fmt == "json":
        emit_json(report)
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    for control in report["controls"]:
        out.print(f"[bold]{control['control']}[/]")
        out.print(Text(f"  assess needs:    {', '.join(control['assess']['graph']) or '—'}"))
        out.print(Text(f"  remediate needs: {', '.join(control['remediate']['graph']) or '—'}"))
        if control["assess"]["delegated"] or control["remediate"]["delegated"]:
            delegated = sorted(set(control["assess"]["delegated"] + control["remediate"]["delegated"]))
            out.print(Text(f"  portal API:      {', '.join(delegated)}"))
        table = Table("setting", "read", "write", "directory roles")
        for column in table.columns:  # full names: they are what an admin copies into the app registration
            column.overflow = "fold"
            column.no_wrap = column.header in ("read", "write") and out.width >= 120
        for s in control["settings"]:
            table.add_row(
                s["id"],
                "\n".join(s["read"]) or "—",
                "\n".join(s["write"]) or "—",
                "\n".join(s["directory_roles"]) or "—",
            )
        out.print(table)
    out.print("[bold]Every assessment also reads[/]")
    for read in report["engine"]:
        optional = "" if read["required"] else "; optional, a run without it still succeeds"
        out.print(Text(f"  {read['read']} for {read['for']}"))
        out.print(Text(f"    needs {read['application']} (application) or {read['delegated']} (delegated){optional}"))
    if len(report["controls"]) > 1:
        union = report["all"]
        out.print("[bold]All listed controls, one app registration[/]")
        for phase in ("assess", "remediate"):
            out.print(f"  to {phase}:")
            for name in union[phase]:
                out.print(Text(f"    {name}"))
