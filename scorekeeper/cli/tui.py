"""``scorekeeper tui``: validate the tenants asked for, then hand the engine to the Textual app."""

from __future__ import annotations

import click

from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, State, pass_state
from scorekeeper.cli.targets import tenant_options


@click.command()
@tenant_options(
    all_flag=False,
    tenant_help="Show only this tenant (repeatable); every configured tenant when absent. Try --tenant demo.",
)
@pass_state
def tui(state: State, tenant_names: tuple[str, ...], group_names: tuple[str, ...]) -> None:
    """Open the dashboard: every tenant and control at a glance, plans, remediation and history.

    Keys are listed in the footer and on the help screen (?); ctrl+p opens the command palette.
    """
    from scorekeeper.config.model import ConfigError

    try:
        names = state.config.select_tenants(tenant_names, group_names, required=False)
    except ConfigError as exc:
        raise CommandFailed("; ".join(exc.problems), EXIT_USAGE) from None
    engine = state.engine()

    from scorekeeper.tui.app import ScorekeeperApp

    ScorekeeperApp(engine, names).run()
