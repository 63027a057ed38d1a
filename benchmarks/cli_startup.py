"""How long the CLI takes before it does anything: scripts and shell completion pay this every call.

Runs each command ``--repeat`` times as a fresh process (the console script in this venv, an empty
data dir) and prints the median and worst wall time, and the median CPU (user + system of the
child, from ``getrusage``: on a busy machine wall time waits for other processes, CPU does not).
Imports are lazy (the msgraph-sdk alone takes about a second to import), so commands that never
talk to a tenant must stay fast. ``assess --tenant demo`` is a whole assessment of the in-process
demo tenant: its start-up plus one tenant's work. Asserts nothing.

    .venv/bin/python benchmarks/cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (
    ["--help"],
    ["--version"],
    ["controls"],
    ["plugins"],
    ["history"],
    ["assess", "--tenant", "demo", "--json"],
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    executable = Path(sys.executable).with_name("scorekeeper")
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "SCOREKEEPER_DATA_DIR": data}
        env.pop("SCOREKEEPER_CONFIG", None)
        env.pop("SCOREKEEPER_DB", None)
        print(f"{'command':42s} {'median':>8s} {'worst':>8s} {'CPU':>8s}")
        for command in COMMANDS:
            times, cpus = [], []
            for _ in range(args.repeat):
                before = children_cpu()
                started = time.perf_counter()
                subprocess.run([str(executable), *command], env=env, capture_output=True, check=False)
                times.append(time.perf_counter() - started)
                cpus.append(children_cpu() - before)
            label = "scorekeeper " + " ".join(command)
            print(f"{label:42s} {statistics.median(times):7.2f}s {max(times):7.2f}s {statistics.median(cpus):7.2f}s")


def children_cpu() -> float:
    """User + system CPU seconds of every child this process has reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
