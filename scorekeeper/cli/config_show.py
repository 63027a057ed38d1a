"""``scorekeeper config show``: the value every tenant runs with for every control key, and its source.

Parse, ask :func:`scorekeeper.engine.effective.explain`, print. The merge itself lives in
:meth:`scorekeeper.config.model.Config.control_values`, the same one the engine runs with.
"""

from __future__ import annotations

from typing import Any

import click

from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, State, emit_json, pass_state
from scorekeeper.cli.targets import tenant_options


@click.command("show")
@tenant_options()
@click.option("--control", "control_ids", multiple=True, metavar="ID", help="Only these controls.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def config_show(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    control_ids: tuple[str, ...],
    as_json: bool,
) -> None:
    """Explain the effective value of every control key per tenant, and where it came from.

    Each key comes from [tenants.NAME.controls.ID] (the tenant's override), else [controls.ID],
    else the plugin's default; [remediation] likewise from [tenants.NAME.remediation], else
    [remediation], else the default.
    """
    from scorekeeper.engine.effective import explain

    tenants = state.config.select_tenants(tenant_names, group_names, all_tenants)
    controls = state.engine().select(control_ids or None)
    shown = [
        {
            "tenant": tenant,
            "groups": state.config.groups_of(tenant),
            "remediation": _remediation(state.config, tenant),
            "controls": [explain(state.config, control, tenant) for control in controls],
        }
        for tenant in tenants
    ]
    if as_json:
        # An object with schema_version like every --json document (it was a bare list before).
        emit_json({"tenants": [dict(t, controls=[c.to_dict() for c in t["controls"]]) for t in shown]})
    else:
        _print(shown)
    if any(c.problems for t in shown for c in t["controls"]):
        raise CommandFailed(
            "the effective configuration has problems (listed above); see `scorekeeper config check`", EXIT_USAGE
        )


def _remediation(config: Any, tenant: str) -> list[dict[str, Any]]:
    """``[remediation]`` as ``tenant`` runs with it: each key's value and where it came from."""
    values = config.remediation(tenant)
    return [
        {"key": key, "value": list(getattr(values, key)), "source": config.remediation_source(tenant, key)}
        for key in ("requirements", "accept_impact", "promote")
    ]


def _print(shown: list[dict[str, Any]]) -> None:
    """``key = value  (from SOURCE)`` lines under one heading per tenant and control; lines never truncated."""
    from scorekeeper.domain.display import short

    for tenant in shown:
        groups = f" (groups: {', '.join(tenant['groups'])})" if tenant["groups"] else ""
        click.echo(f"{tenant['tenant']}{groups} · [remediation]")
        for value in tenant["remediation"]:
            click.echo(f"  {value['key']:<13} = {short(value['value'], width=200)}  (from {value['source']})")
        for values in tenant["controls"]:
            click.echo(f"{tenant['tenant']}{groups} · [controls.{values.control}]")
            width = max((len(v.key) for v in values.values), default=0)
            for value in values.values:
                click.echo(f"  {value.key:<{width}} = {short(value.value, width=200)}  (from {value.source})")
            for problem in values.problems:
                click.echo(f"  problem: {problem}")
