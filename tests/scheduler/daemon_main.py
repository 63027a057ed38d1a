"""``python -m tests.scheduler.daemon_main ARGS``: the real ``scorekeeper`` CLI with the toy plugin installed.

A subprocess cannot be handed plugin objects, and the toy plugin has no entry point, so this
wrapper adds it (and the built-in channels) to what ``load_plugins`` finds, then runs
``scorekeeper.cli.main.main`` exactly as the console script does. ``SK_TOY_DELAY`` sets how long an
assessment takes; ``SK_TOY_ANNOUNCE=1`` prints a line to stderr when one starts.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import scorekeeper.plugin.manager
from scorekeeper.cli.main import main
from tests.scheduler.conftest import CHANNELS
from tests.scheduler.toys import PacedToy

_real_load = scorekeeper.plugin.manager.load_plugins


def _load_with_toy(extra: Any = ()) -> Any:
    return _real_load([*extra, ("toy", PacedToy(float(os.environ.get("SK_TOY_DELAY", "0")))), *CHANNELS])


if __name__ == "__main__":
    scorekeeper.plugin.manager.load_plugins = _load_with_toy  # type: ignore[assignment]
    main(sys.argv[1:])
