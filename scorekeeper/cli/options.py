"""Click options that several commands declare the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def seconds_option(
    flag: str, dest: str, default: float, help: str, minimum: float = 0.0, whole: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``--flag SECONDS`` duration with a lower bound and a shown default.

    The daemons (``scheduler``, ``worker``) take several such durations; declaring them one way
    keeps their ``--help`` alike and their bounds checked by click before anything starts.
    """
    kind: click.ParamType = click.IntRange(min=int(minimum)) if whole else click.FloatRange(min=minimum)
    return click.option(flag, dest, type=kind, default=default, show_default=True, metavar="SECONDS", help=help)
