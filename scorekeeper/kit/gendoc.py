"""The command line shared by the generated reference pages (docs/hooks.md, docs/reference.md).

Both generators print their page, or with ``--check FILE`` say whether FILE is stale; one
implementation keeps their exit codes and messages the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def run(module: str, description: str, render: Callable[[], str], argv: list[str] | None = None) -> int:
    """Print ``render()`` (UTF-8), or compare it with ``--check FILE``: 0 current, 1 stale, 2 unreadable."""
    prog = f"python -m {module}"
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from what would be generated")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        try:
            current = Path(args.check).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"error: {args.check}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        if current != text:
            print(f"{args.check} is stale: run {prog} > {args.check}", file=sys.stderr)
            return 1
        return 0
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0
