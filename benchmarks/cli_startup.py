"""How long the CLI takes before it does anything: scripts and shell completion pay this every call.

Runs each command ``--repeat`` times as a fresh process (the console script in this venv, an empty
data dir) and prints the median and worst wall time. Imports are lazy (the msgraph-sdk alone takes
about a second to import), so commands that never talk to a tenant must stay fast. Asserts nothing.

    .venv/bin/python benchmarks/cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
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
        print(f"{'command':42s} {'median':>8s} {'worst':>8s}")
        for command in COMMANDS:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                subprocess.run([str(executable), *command], env=env, capture_output=True, check=False)
                times.append(time.perf_counter() - started)
            label = "scorekeeper " + " ".join(command)
            print(f"{label:42s} {statistics.median(times):7.2f}s {max(times):7.2f}s")


if __name__ == "__main__":
    main()
