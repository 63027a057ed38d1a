"""Which controls a command runs, and the keys of a control's table the engine keeps for itself."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scorekeeper.config.model import ConfigError
from scorekeeper.domain.model import Control
from scorekeeper.plugin.manager import Plugins

#: A key of every ``[controls.<id>]`` table that the engine reads and the plugin never sees:
#: whether scheduled jobs may remediate this control unattended.
AUTO_REMEDIATE = "auto_remediate"


def plugin_values(values: dict[str, Any]) -> dict[str, Any]:
    """A control's config table without the keys the engine reserves for itself."""
    return {k: v for k, v in values.items() if k != AUTO_REMEDIATE}


def select_controls(plugins: Plugins, control_ids: Iterable[str] | None, source: Path | None = None) -> list[Control]:
    """The installed controls named (all of them, in id order, when none is named).

    A function of the plugins alone, so commands that only describe controls (``permissions``)
    never open the history database.
    """
    ids = list(control_ids or [])
    if not ids:
        return [plugins.controls[c] for c in sorted(plugins.controls)]
    try:
        return [plugins.control(c) for c in ids]
    except KeyError as exc:
        raise ConfigError([str(exc.args[0])], source) from None
