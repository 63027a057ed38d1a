"""``scorekeeper simulator``: serve, issue tokens, reset the demo tenant, list profiles.

The demo tenant's state file is ``<data dir>/simulator/demo.json`` (``scorekeeper.config.model.demo_tenant``);
every command that takes ``--state`` defaults to it, so ``token`` and ``serve`` agree on the
signing secret without further setup.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import click


def _fail(message: str) -> None:
    from scorekeeper.cli.common import EXIT_USAGE, CommandFailed

    raise CommandFailed(message, EXIT_USAGE)


def _demo_state() -> Path:
    from scorekeeper.config.model import default_data_dir, demo_tenant

    state = demo_tenant(default_data_dir()).state
    assert state is not None
    return state


def _load_or_create(state: Path, profile: str | None) -> Any:
    """The simulator saved in ``state``, or a new one of ``profile`` saved there."""
    from scorekeeper.simulator import ProfileError, Simulator, SimulatorStateError

    if state.is_file():
        try:
            sim = Simulator.load(state)
        except SimulatorStateError as exc:
            _fail(str(exc))
        if profile and sim.tenant(sim.tenant_id).profile != profile:
            _fail(
                f"{state} holds a {sim.tenant(sim.tenant_id).profile!r} tenant; run `scorekeeper simulator reset` "
                f"or pass another --state for {profile!r}"
            )
        return sim
    try:
        sim = Simulator.from_profiles(profile or "weak-cloud")
    except ProfileError as exc:
        _fail(str(exc))
    sim.save(state)
    return sim


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.group()
def simulator() -> None:
    """Run and control the tenant simulator (Microsoft Graph + the portal's SSPR API)."""


@simulator.command()
def profiles() -> None:
    """List the simulator's tenant profiles."""
    from scorekeeper.simulator import PROFILES

    width = max(len(name) for name in PROFILES)
    for name, description in PROFILES.items():
        click.echo(f"{name:<{width}}  {description}")


@simulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--profile", default=None, help="Profile of a new tenant (when the state file does not exist yet).")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: the demo tenant's). Writes are saved to it.",
)
@click.option(
    "--tenants",
    "tenant_count",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Serve this many independent tenants of --profile and print their [tenants.*] config on stdout.",
)
@click.option(
    "--partner",
    is_flag=True,
    help="With --tenants N: a partner tenant plus N customers behind one multi-tenant app; print its"
    " [partner]/[templates.msp] config (then: scorekeeper tenants discover --append) and write the app's"
    ' certificate + key beside --state (auth = "certificate").',
)
@click.option(
    "--latency",
    "latency_ms",
    type=click.FloatRange(0, 60_000),
    default=0.0,
    show_default=True,
    help="Milliseconds added to every HTTP exchange (the network; a $batch pays it once).",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="RULE",
    help="A fault rule (repeatable): 'status=503,write=2', 'status=500,apply,write=3', 'kind=reset,write=1',"
    " 'kind=timeout,method=PUT', 'latency=0.3', 'status=429,retry_after=1,path=/v1.0/policies/*'"
    " (see docs/simulator.md).",
)
def serve(
    host: str,
    port: int,
    profile: str | None,
    state_path: Path | None,
    tenant_count: int | None,
    partner: bool,
    latency_ms: float,
    fault_specs: tuple[str, ...],
) -> None:
    """Serve Graph at http://HOST:PORT/v1.0 and the portal API at http://HOST:PORT/api (loopback only)."""
    if not is_loopback_host(host):
        _fail(f"refusing to serve on {host}: the simulator listens on loopback only (127.0.0.1, ::1, localhost)")
    rules = _fault_rules(fault_specs)  # every rule checked before a state file is touched
    import uvicorn

    from scorekeeper.simulator.wire import config

    if partner and tenant_count is None:
        _fail("--partner needs --tenants N (the number of customer tenants)")
    if tenant_count is not None:
        sim, state = _fleet(tenant_count, profile, state_path, partner=partner), state_path
    else:
        state = state_path or _demo_state()
        sim = _load_or_create(state, profile)
        click.echo(f"simulated tenant {sim.tenant_id} ({sim.tenant(sim.tenant_id).profile}), state {state}", err=True)
        click.echo(f"token: scorekeeper simulator token --state {state}", err=True)
    if state is not None:
        sim.app.on_write = lambda: sim.save(state)
    if latency_ms:
        sim.faults.add(latency=latency_ms / 1000)
    for spec, rule in rules:
        sim.faults.add(**rule)
        click.echo(f"fault: {spec}", err=True)
    click.echo(f"Graph: http://{host}:{port}/v1.0   portal: http://{host}:{port}/api", err=True)
    if tenant_count is not None and partner:
        from scorekeeper.simulator.fleet import PARTNER_SECRET_ENV, client_secret, partner_config_snippet

        cert_path = _partner_certificate(sim, state)
        click.echo(f"export {PARTNER_SECRET_ENV}={client_secret(sim)}   # the app's client secret", err=True)
        click.echo(partner_config_snippet(sim, f"http://{host}:{port}", certificate_path=cert_path))
        sys.stdout.flush()
    elif tenant_count is not None:
        from scorekeeper.simulator.fleet import config_snippet

        click.echo(config_snippet(sim, f"http://{host}:{port}"))
        sys.stdout.flush()
    # wire.config: a reset or timeout fault acts on the connection itself, not as an HTTP 500.
    from scorekeeper.safety.signals import Interrupted

    try:
        uvicorn.Server(config(sim.app, host, port)).run()
    except (Interrupted, KeyboardInterrupt):
        # uvicorn shut down gracefully, then re-raised the signal it caught: for a server, being told
        # to stop is how it ends, not an error (every write was saved to the state file as it came).
        saved = f"; state saved in {state}" if state is not None else ""
        click.echo(f"simulator stopped{saved}", err=True)


def _partner_certificate(sim: Any, state: Path | None) -> Path:
    """The app's certificate + key beside the state file (or in the data dir): written, registered, named on stderr."""
    from scorekeeper.simulator.appcert import thumbprint
    from scorekeeper.simulator.fleet import partner_certificate

    path = (
        state.with_name(f"{state.stem}.partner-cert.pem")
        if state is not None
        else _demo_state().parent / "partner-cert.pem"
    )
    try:
        cert = partner_certificate(sim, path).x509
    except OSError as exc:
        _fail(f"cannot write the app's certificate to {path}: {exc.strerror}")
    if state is not None:
        sim.save(state)  # the keyCredential is part of the partner tenant's state
    click.echo(
        f"certificate: {path} (thumbprint {thumbprint(cert)}, valid until {cert.not_valid_after_utc:%Y-%m-%d};"
        " in the app's keyCredentials; key and certificate, mode 0600)",
        err=True,
    )
    return path


def _fault_rules(specs: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """Each ``--fault`` parsed and checked (one line naming the bad rule, exit 2)."""
    from scorekeeper.simulator.faults import Faults, parse_rule

    rules = []
    for spec in specs:
        try:
            rule = parse_rule(spec)
            Faults().add(**rule)  # type: ignore[arg-type]  # the same checks the real add makes
        except (TypeError, ValueError) as exc:
            _fail(f"--fault {spec!r}: {exc}")
        rules.append((spec, rule))
    return rules


def _fleet(count: int, profile: str | None, state: Path | None, *, partner: bool = False) -> Any:
    """``count`` tenants: loaded from ``state`` when it holds exactly that many, else built (and saved there).

    ``partner``: a partner tenant first, then ``count`` customers (simulator/fleet.py build_partner_fleet).
    """
    from scorekeeper.simulator import ProfileError, Simulator, SimulatorStateError
    from scorekeeper.simulator.fleet import build_fleet, build_partner_fleet

    expected = count + 1 if partner else count

    if state is not None and state.is_file():
        try:
            sim = Simulator.load(state)
        except SimulatorStateError as exc:
            _fail(str(exc))
        if len(sim.tenant_ids) != expected:
            _fail(f"{state} holds {len(sim.tenant_ids)} tenants, not {expected}; pass another --state or delete it")
    else:
        try:
            build = build_partner_fleet if partner else build_fleet
            sim = build(count, profile or "weak-cloud")
        except ProfileError as exc:
            _fail(str(exc))
        if state is not None:
            sim.save(state)
    where = f"state {state}" if state is not None else "in memory only (pass --state to keep it)"
    what = f"a partner tenant and {count} customer tenants" if partner else f"{count} simulated tenants"
    click.echo(f"{what} ({profile or 'weak-cloud'}), {where}; tenant = the token's tid", err=True)
    return sim


@simulator.command()
@click.option("--roles", default=None, help="Comma-separated app roles (default: every permission).")
@click.option("--delegated", is_flag=True, help="A delegated token for the portal API instead of an app-only one.")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id (default: the first tenant).")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: the demo tenant's; created when missing).",
)
def token(roles: str | None, delegated: bool, tenant_id: str | None, state_path: Path | None) -> None:
    """Print an access token the simulator accepts (the last line of the output)."""
    sim = _load_or_create(state_path or _demo_state(), None)
    tid = tenant_id or sim.tenant_id
    if tid not in sim.tenant_ids:
        _fail(f"no tenant {tid} in this simulator (tenants: {', '.join(sim.tenant_ids)})")
    if delegated:
        if roles:
            _fail("--roles applies to app-only tokens; a delegated portal token carries scp user_impersonation")
        value = sim.issue_delegated_token(tid)
    else:
        chosen = [r.strip() for r in roles.split(",") if r.strip()] if roles else None
        unknown = sorted(set(chosen or []) - set(sim.known_permissions()))
        if unknown:
            _fail(
                f"unknown permission(s) {', '.join(unknown)}; the simulator knows {', '.join(sim.known_permissions())}"
            )
        value = sim.issue_token(tid, roles=chosen)
    click.echo(f"# tenant {tid}, {'delegated (portal)' if delegated else 'app-only (Graph)'}, valid 1 hour", err=True)
    click.echo(value)


@simulator.command()
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: the demo tenant's).",
)
@click.option("--profile", default=None, help="Start over from this profile instead of the file's own.")
def reset(state_path: Path | None, profile: str | None) -> None:
    """Restore a simulated tenant (by default the demo tenant) to its profile's state."""
    from scorekeeper.simulator import ProfileError, Simulator, SimulatorStateError

    state = state_path or _demo_state()
    try:
        if profile or not state.is_file():
            sim = Simulator.from_profiles(profile or "weak-cloud")
        else:
            sim = Simulator.load(state)
            sim.reset()
    except (ProfileError, SimulatorStateError) as exc:
        _fail(str(exc))
    sim.save(state)
    click.echo(f"{state}: reset to profile {sim.tenant(sim.tenant_id).profile}")
