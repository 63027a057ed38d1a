"""Partner sign-in at fleet size: N customers behind ONE multi-tenant app, discovered from GDAP, assessed.

Builds a simulated partner fleet (the partner's own tenant plus N customers, each with an active
GDAP relationship and the app consented), serves it on loopback in this process, writes only
``[partner]`` and ``[templates.msp]`` to a fresh config (the client secret in an environment
variable), then runs, as separate CLI processes the way an operator types them:

1. ``scorekeeper tenants discover --append``: the partner tenant's delegatedAdminRelationships and
   delegatedAdminCustomers become N ``[tenants.*]`` tables using the template;
2. ``scorekeeper assess --all-tenants [--control …]``: one token request per customer tenant for the
   same client id, then the controls' reads.

Prints the wall time of each step, the token requests by tenant and client id, the lines printed
and the exit codes. Asserts nothing.

    .venv/bin/python benchmarks/partner_fleet.py [--customers 300] [--controls SelfServicePasswordReset]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCOREKEEPER = [str(Path(sys.executable).with_name("scorekeeper"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--controls", nargs="*", default=[], help="Only these controls (default: every one).")
    args = parser.parse_args()

    from scorekeeper.simulator.fleet import (
        PARTNER_APP_ID,
        PARTNER_SECRET_ENV,
        build_partner_fleet,
        client_secret,
        partner_config_snippet,
    )
    from scorekeeper.simulator.wire import server

    started = time.perf_counter()
    sim = build_partner_fleet(args.customers)
    print(f"built partner + {args.customers} customer tenants in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp, server(sim.app) as url:
        config = Path(tmp) / "fleet.toml"
        config.write_text(partner_config_snippet(sim, url), encoding="utf-8")
        env = {**os.environ, PARTNER_SECRET_ENV: client_secret(sim), "SCOREKEEPER_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("SCOREKEEPER_DB", None)
        base = [*SCOREKEEPER, "--config", str(config)]
        controls = [a for c in args.controls for a in ("--control", c)]
        for label, command in (
            ("tenants discover --append", ["tenants", "discover", "--append"]),
            ("assess --all-tenants", ["assess", "--all-tenants", *controls]),
        ):
            mark = len(sim.request_log)
            t0 = time.perf_counter()
            done = subprocess.run([*base, *command], env=env, capture_output=True, text=True, cwd=tmp, check=False)
            wall = time.perf_counter() - t0
            log = sim.request_log[mark:]
            tokens = [r for r in log if r.path.endswith("/oauth2/v2.0/token")]
            tenants = {r.path.split("/")[1] for r in tokens}
            graph = [r for r in log if r.path.startswith("/v1.0")]
            print(
                f"{label}: exit {done.returncode}, {wall:.1f} s wall; {len(tokens)} token request(s) for "
                f"{len(tenants)} tenant(s), client id {PARTNER_APP_ID}; {len(graph)} Graph request(s); "
                f"{len(done.stdout.splitlines())} stdout line(s), {len(done.stderr.splitlines())} stderr line(s)"
            )
            if done.returncode not in (0, 1, 3):
                print(done.stderr[-2000:])
        tables = config.read_text(encoding="utf-8").count("[tenants.")
        print(f'config now holds {tables} [tenants.*] table(s), every one with template = "msp"')


if __name__ == "__main__":
    main()
