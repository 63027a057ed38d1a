"""An accepted-risk exception from the dashboard: the same ``[[exceptions]]`` table the config file holds.

Exceptions are configuration, not history: ``assess``, ``plan``, the scheduler and ``config
check`` all read them from the file. So the dashboard writes one there and nowhere else — the
rule is validated by the config's own model (:class:`~scorekeeper.config.model.ExceptionRule`,
with the config's own problem lines), refused when already past its date (an expired exception
excuses nothing), and appended by :func:`scorekeeper.engine.partner.append_tables`, which
validates the whole file as it would be before a byte is written and keeps every comment.
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError

from scorekeeper.config.model import ExceptionRule
from scorekeeper.config.validation import format_validation_error


class ExceptionInvalid(ValueError):
    """The form's answer is not a rule the config file would accept: one line per problem."""


def exception_rule(tenant: str, control: str, setting: str, reason: str, expires: str, today: date) -> ExceptionRule:
    """The rule the form describes, validated exactly as an ``[[exceptions]]`` table is.

    ``expires`` is the text typed (``YYYY-MM-DD``, as TOML writes a date). Raises
    :class:`ExceptionInvalid` naming each problem the way ``config check`` does.
    """
    try:
        rule = ExceptionRule.model_validate(
            {
                "tenant": tenant,
                "control": control,
                "setting": setting,
                "reason": reason.strip(),
                "expires": expires.strip(),
            }
        )
    except ValidationError as exc:
        raise ExceptionInvalid("; ".join(format_validation_error("exception", exc, ExceptionRule))) from None
    if rule.expired(today):
        past = f"exception.expires: {rule.expires} is already past; an expired exception excuses nothing"
        raise ExceptionInvalid(past)
    return rule


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def exception_table(rule: ExceptionRule) -> str:
    """The ``[[exceptions]]`` table of ``rule``, as the file will hold it (shown before it is written)."""
    lines = ["[[exceptions]]"]
    if rule.tenant is not None:
        lines.append(f"tenant = {toml_string(rule.tenant)}")
    lines += [
        f"control = {toml_string(rule.control)}",
        f"setting = {toml_string(rule.setting)}",
        f"reason = {toml_string(rule.reason)}",
        f"expires = {rule.expires.isoformat()}",
    ]
    return "\n".join(lines) + "\n"
