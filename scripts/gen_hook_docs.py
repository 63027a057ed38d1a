"""Generate docs/hooks.md from the docstrings in scorekeeper/hookspecs.py.

The hook reference is never written by hand: `python scripts/gen_hook_docs.py` rewrites it and
`tests/core/test_hook_docs.py` fails when it is stale.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from scorekeeper import hookspecs

HEADER = """# Hook reference

Generated from `scorekeeper/hookspecs.py` by `scripts/gen_hook_docs.py`; do not edit by hand.
Hook contract version: **{version}**. Import the markers from the public API:
`from scorekeeper import hookimpl`.
"""


def render() -> str:
    parts = [HEADER.format(version=hookspecs.HOOKSPEC_VERSION)]
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        opts = getattr(function, "scorekeeper_spec", None)
        if opts is None:
            continue
        signature = str(inspect.signature(function)).replace("'", "")
        flags = " — first result wins, called only on the owner of the control" if opts.get("firstresult") else ""
        parts.append(f"## `{name}{signature}`{flags}\n\n{inspect.cleandoc(function.__doc__ or '')}\n")
    return "\n".join(parts)


def main() -> int:
    target = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
