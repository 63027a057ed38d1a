"""The log channel: notifications as Python log records, on stderr under the daemon (journald under systemd).

Configure with a ``[notifications.log]`` table that has at least one key (an empty table is
indistinguishable from none, and an unconfigured channel stays silent)::

    [notifications.log]
    enabled = true
    min_severity = "warning"   # info | warning | error
    format = "text"            # text | json (one JSON object per line, for log shippers)
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from scorekeeper.channels import at_least, check_kinds
from scorekeeper.channels.formats import item_line
from scorekeeper.config.model import format_validation_error
from scorekeeper.plugin.hookspecs import hookimpl

log = logging.getLogger("scorekeeper.notifications")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class LogChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    min_severity: Literal["info", "warning", "error"] = "info"
    format: Literal["text", "json"] = "text"
    kinds: list[str] | None = None  # every kind when absent

    _kinds = field_validator("kinds")(check_kinds)


def check_config(table: dict[str, Any], where: str = "") -> list[str]:
    """Problems with a ``[notifications.log]`` table, one line each, keys prefixed with ``where``."""
    try:
        LogChannelConfig(**table)
    except ValidationError as exc:
        return format_validation_error(where, exc)
    return []


@hookimpl
def scorekeeper_notify(event: dict[str, Any], config: dict[str, Any]) -> None:
    if not config:
        return
    settings = LogChannelConfig(**config)
    if not settings.enabled or not at_least(event.get("severity", "info"), settings.min_severity):
        return
    if settings.kinds is not None and event.get("kind") not in settings.kinds:
        return
    level = _LEVELS.get(event.get("severity", ""), logging.ERROR)
    if settings.format == "json":
        log.log(level, "%s", json.dumps(event, default=str, sort_keys=True))
        return
    lines = [f"[{event.get('kind')}] {event.get('summary')}"]
    lines += [f"    {item_line(i)}" for i in event.get("items") or []]
    log.log(level, "%s", "\n".join(lines))
