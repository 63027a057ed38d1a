"""``plugins``, ``controls``, ``permissions``: what is installed and what it needs; ``tenants``: the fleet's list.

``plugins``, ``controls`` and ``permissions`` read only the plugin registry and the config, never a
tenant. ``tenants discover`` and ``tenants add`` grow the fleet with partner sign-in
(engine/partner.py): customers from the partner tenant's GDAP relationships, a customer's admin
consent to the multi-tenant app, and the permissions ``permissions`` lists checked against it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scorekeeper.cli.common import CommandFailed, State, console, emit_json, pass_state, run_async
from scorekeeper.errors import EXIT_ERROR, EXIT_SIGINT, EXIT_USAGE


def register_commands(cli: click.Group) -> None:
    """Add this family's commands to ``cli`` (the root group calls this; it imports nothing back)."""
    cli.add_command(plugins)
    cli.add_command(controls)
    cli.add_command(permissions)
    cli.add_command(tenants_group)


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
    config = state.config

    def configured(control: str) -> set[str]:
        """Keys of [controls.ID] and of every tenant's override that are set (present, not empty or false)."""
        tables = [config.controls.get(control, {}), *(t.get(control, {}) for t in config.overrides.values())]
        return {key for table in tables for key, value in table.items() if value not in (None, False, "", [], {})}

    report = permission_report(selected, configured)
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
        for c in control["when_configured"]:
            needs = ", ".join(dict.fromkeys([*c["read"], *c["write"]])) or "—"
            state_words = "set in your config: included above" if c["configured"] else "not set: not included"
            why = f" ({c['why']})" if c["why"] else ""
            out.print(
                Text(
                    f"  when [controls.{control['control']}] {c['key']} is set, "
                    f"{c['setting']} also needs {needs}{why}; "
                )
                + Text(state_words, style="dim")
            )
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


@click.group("tenants")
def tenants_group() -> None:
    """Grow the fleet: discover customers from GDAP, onboard one with admin consent."""


def _template_for(config: object, template: str | None) -> str:
    """The template new tenant tables use: ``--template``, else ``[partner] template``; must exist."""
    from scorekeeper.util.suggest import did_you_mean

    partner = getattr(config, "partner", None)
    chosen = template or (partner.template if partner is not None else None)
    templates = getattr(config, "templates", {})
    if chosen is None:
        raise CommandFailed("name a template with --template T, or add a [partner] table naming one", EXIT_USAGE)
    if chosen not in templates:
        known = ", ".join(sorted(templates)) or "none defined"
        raise CommandFailed(
            f"unknown template {chosen!r}{did_you_mean(chosen, templates)} (templates: {known})", EXIT_USAGE
        )
    return chosen


def _config_file(state: State) -> Path:
    source = state.config.source
    if source is None:
        raise CommandFailed("no config file: pass --config FILE (the tables are written there)", EXIT_USAGE)
    return Path(source)


@tenants_group.command("discover")
@click.option("--template", default=None, metavar="T", help="Template of the new tables (default: [partner] template).")
@click.option("--append", is_flag=True, help="Append the new tables to the config file instead of printing them.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def tenants_discover(state: State, template: str | None, append: bool, as_json: bool) -> None:
    """List the partner's customers from its GDAP relationships (active ones) as [tenants.*] tables.

    Signs in to the [partner] tenant with the partner template's app (needs
    DelegatedAdminRelationship.Read.All). Customers already configured (by tenant id) are skipped.
    """
    from scorekeeper.engine.partner import append_tables, discover_customers, partner_config, table_name, tenant_table

    config = state.config
    chosen = _template_for(config, template)
    from scorekeeper.errors import GraphCallError

    partner = partner_config(config)
    try:
        customers = run_async(discover_customers(partner))
    except GraphCallError as exc:  # sign-in or Graph refused: one line naming where
        raise CommandFailed(f"GDAP discovery in the partner tenant {partner.tenant_id} failed: {exc}") from None
    known = {t.tenant_id.lower(): name for name, t in config.tenants.items() if t.tenant_id}
    taken = set(config.tenants)
    new: list[tuple[str, str, str]] = []
    for customer in customers:
        if customer.tenant_id in known:
            continue
        name = table_name(customer.display_name or customer.tenant_id[:8], taken)
        taken.add(name)
        new.append((name, customer.tenant_id, customer.display_name))
    if as_json:
        emit_json(
            {
                "customers": [
                    {
                        "tenant_id": c.tenant_id,
                        "display_name": c.display_name,
                        "configured_as": known.get(c.tenant_id),
                        "new_name": next((n for n, tid, _ in new if tid == c.tenant_id), None),
                    }
                    for c in customers
                ],
                "template": chosen,
                "appended": append,
            }
        )
    text = "\n".join(tenant_table(name, tid, chosen, display) for name, tid, display in new)
    if append and new:
        path = _config_file(state)
        append_tables(path, text, data_dir=state.data_dir)
    elif not as_json and new:
        click.echo(text.rstrip("\n"))
    configured = len(customers) - len(new)
    verb = f"appended to {state.config.source}" if append and new else "new"
    click.echo(
        f"{len(customers)} customer(s) with an active GDAP relationship: "
        f"{len(new)} {verb}, {configured} already configured",
        err=True,
    )


@tenants_group.command("add")
@click.argument("name")
@click.option("--tenant-id", "tenant_id", required=True, help="The customer tenant's id (a GUID).")
@click.option("--template", default=None, metavar="T", help="Template of the new table (default: [partner] template).")
@click.option("--redirect-uri", default=None, help="Redirect URI registered on the app (default: [partner]).")
@click.option(
    "--timeout",
    type=click.FloatRange(0, 86_400),
    default=900.0,
    show_default=True,
    help="Seconds to wait for the admin's consent.",
)
@click.option("--no-wait", is_flag=True, help="Print the consent link and stop (nothing is written).")
@pass_state
def tenants_add(
    state: State,
    name: str,
    tenant_id: str,
    template: str | None,
    redirect_uri: str | None,
    timeout: float,
    no_wait: bool,
) -> None:
    """Onboard a customer: print its admin-consent link, wait for consent, check permissions, write [tenants.NAME].

    The table is appended to the config file only when the app signs in to the tenant and holds
    every permission assessing the configured controls needs; comments and other tables stay as
    they are. Ctrl-C while waiting writes nothing.
    """
    from scorekeeper.config.model import parse_config, parse_toml
    from scorekeeper.config.templates import is_tenant_id
    from scorekeeper.engine.auth import graph_credential
    from scorekeeper.engine.controls import select_controls
    from scorekeeper.engine.partner import (
        append_tables,
        consent_url,
        missing_permissions,
        tenant_table,
        wait_for_consent,
    )
    from scorekeeper.engine.permissions import permission_report

    config = state.config
    if not is_tenant_id(tenant_id):
        raise CommandFailed(f"--tenant-id {tenant_id!r} is not a tenant id (a GUID)", EXIT_USAGE)
    tenant_id = tenant_id.lower()
    if name in config.tenants:
        raise CommandFailed(f"tenant {name!r} is already configured; choose another NAME", EXIT_USAGE)
    clash = next((n for n, t in config.tenants.items() if t.tenant_id.lower() == tenant_id), None)
    if clash:
        raise CommandFailed(f"tenant id {tenant_id} is already configured as {clash!r}", EXIT_USAGE)
    chosen = _template_for(config, template)
    path = _config_file(state)
    table = tenant_table(name, tenant_id, chosen)
    old = path.read_text(encoding="utf-8")
    trial = parse_config(parse_toml((old.rstrip("\n") + "\n\n" + table).encode(), path), path, data_dir=state.data_dir)
    tenant = trial.tenant(name)
    redirect = redirect_uri or (config.partner.consent_redirect_uri if config.partner else None)
    if not redirect:
        raise CommandFailed("the consent link needs a redirect URI: --redirect-uri or [partner] consent_redirect_uri")
    link = consent_url(tenant_id, tenant.client_id or "", redirect, authority=tenant.authority, state=name)
    click.echo(f"Send this link to an administrator of {name} ({tenant_id}):\n  {link}")
    if no_wait:
        click.echo("Not waiting (--no-wait): run this command again once consent is given.", err=True)
        return
    try:
        roles = wait_for_consent(
            graph_credential(tenant),
            timeout=timeout,
            on_wait=lambda delay, why: click.echo(
                f"waiting for consent ({why[:60]}); next try in {delay:g} s", err=True
            ),
        )
    except KeyboardInterrupt:
        raise CommandFailed("stopped waiting for consent; nothing written", EXIT_SIGINT) from None
    report = permission_report(select_controls(state.plugins, None, config.source))
    missing = missing_permissions(roles, report["all"]["assess"])
    if missing:
        raise CommandFailed(
            f"{name} signed in but the app lacks {', '.join(missing)} (needed to assess); grant them on the app "
            "registration, consent again and re-run; nothing written"
        )
    append_tables(path, table, data_dir=state.data_dir)
    short = missing_permissions(roles, report["all"]["remediate"])
    click.echo(f"{name}: consent found, {len(roles)} application permission(s); [tenants.{name}] written to {path}")
    if short:
        click.echo(f"note: remediating needs {', '.join(short)} as well (assessing is covered)", err=True)
