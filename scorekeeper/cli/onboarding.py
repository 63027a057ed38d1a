"""``login``, ``config check``/``config show``, ``demo``: get set up and try the flow once.

The first steps of a new installation: check the configuration, sign in to the portal API,
run the whole flow against the simulated tenant. None of them assesses a real tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from scorekeeper.cli.common import CommandFailed, State, console, pass_state, run_async
from scorekeeper.cli.config_show import config_show
from scorekeeper.cli.targets import tenant_options
from scorekeeper.errors import EXIT_USAGE
from scorekeeper.util.filelock import waiting_lock

if TYPE_CHECKING:
    from scorekeeper.domain.model import RunResult


def register_commands(cli: click.Group) -> None:
    """Add this family's commands to ``cli`` (the root group calls this; it imports nothing back)."""
    cli.add_command(login)
    cli.add_command(config_group)
    cli.add_command(demo)


@click.command()
@tenant_options(all_flag=False)
@pass_state
def login(state: State, tenant_names: tuple[str, ...], group_names: tuple[str, ...]) -> None:
    """Sign in to the Azure portal API once, so later (scheduled) runs can read portal settings."""
    from scorekeeper.engine.auth import portal_login

    for tenant in state.config.select_tenants(tenant_names, group_names):
        click.echo(portal_login(state.config.tenant(tenant), state.data_dir))


@click.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@pass_state
def config_check(state: State) -> None:
    """Validate everything in one pass: the file, control settings, exceptions, credentials, notifications.

    Credential references are checked (a variable set, a file readable, a certificate that parses)
    without printing any value and without contacting a tenant. Expired exceptions are warnings.
    """
    from datetime import date

    from scorekeeper.engine.preflight import check_all

    report = check_all(state.config_path, state.plugins, data_dir=state.data_dir, today=date.today())
    source = str(report.source or state.config_path or "no config file (built-in demo tenant only)")
    for warning in report.warnings:
        click.echo(f"{source}: warning: {warning}", err=True)
    if report.problems:
        for problem in report.problems:
            click.echo(f"{source}: {problem}", err=True)
        raise CommandFailed(f"{len(report.problems)} problem(s) in the configuration", EXIT_USAGE)
    assert report.config is not None
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    click.echo(
        f"{source}: OK — {len(report.config.tenants)} tenant(s), {len(state.plugins.controls)} control(s){warned}"
    )


config_group.add_command(config_show)  # its own module: the explaining is longer than the rest


@click.command()
@click.option("--keep", is_flag=True, help="Keep the demo tenant's current state instead of starting weak.")
@pass_state
def demo(state: State, keep: bool) -> None:
    """Run the whole flow against the simulated `demo` tenant: assess, remediate, verify, re-assess."""
    from scorekeeper.config.model import DEMO_TENANT

    tenant = state.config.tenant(DEMO_TENANT)
    out = console()
    # One demo per data folder at a time: a second checkout's `make demo` waits instead of failing.
    waiting = lambda: out.print("Another `scorekeeper demo` is running with this data folder; waiting for it.")  # noqa: E731
    with waiting_lock(state.data_dir / "demo.lock", waiting):
        before, result, after = _demo_flow(state, out, reset=not keep and tenant.state is not None)
    fails = lambda run: sum(f.status.value == "fail" for f in run.findings)  # noqa: E731
    out.print(
        f"\nFailing settings: {fails(before)} before → {fails(after)} after. "
        f"Roll back with: scorekeeper rollback {result.run_id} --yes"
    )


def _demo_flow(state: State, out: Any, *, reset: bool) -> tuple[RunResult, RunResult, RunResult]:
    """Assess, plan and remediate under the demo tenant's lease (the engine's one entry), assess again."""
    from scorekeeper.cli.render import print_plans, print_run
    from scorekeeper.config.model import DEMO_TENANT

    tenant = state.config.tenant(DEMO_TENANT)
    if reset and tenant.state and tenant.state.exists():
        tenant.state.unlink()
    out.rule("1. Assess the simulated tenant (no account needed)")
    engine = state.engine()
    [before] = run_async(engine.assess([DEMO_TENANT]))
    print_run(out, before)
    with engine.changing(DEMO_TENANT, "demo") as change:
        out.rule("2. Plan: what would change")
        _plan_run, plans = run_async(change.plan())
        print_plans(out, plans)
        out.rule("3. Remediate the automated settings and verify them")
        result = run_async(change.apply(plans))
    print_run(out, result)
    out.rule("4. Assess again")
    [after] = run_async(engine.assess([DEMO_TENANT]))
    print_run(out, after)
    return before, result, after
