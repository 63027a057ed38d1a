"""Everything ``config check`` verifies, in one pass, and the same rules every command applies first.

One admin fixing a config should need one round: the file's own problems (types, unknown keys,
each with a did-you-mean), the ``[controls.*]`` tables against the installed plugins' models,
``[[exceptions]]`` that name an unknown control or setting, every tenant's credential references
(a variable set, a file readable, a certificate parseable — never a value), and the
``[notifications.*]`` tables exactly as the scheduler checks them. Expired exceptions are
warnings: the config is valid, but those settings count as failing again.

:func:`preflight` is what ``assess``, ``plan``, ``remediate`` and the others run before they
contact a tenant or open the history database, so a config that ``config check`` rejects never
half-runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scorekeeper.config import Config, ConfigError, load_config
from scorekeeper.credentials import tenant_credential_lines


@dataclass
class CheckReport:
    """What ``config check`` found: ``problems`` make it exit 2, ``warnings`` do not."""

    source: Path | None
    config: Config | None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def config_problems(config: Config, plugins: Any, *, with_plugins: bool = True) -> list[str]:
    """Problems of a parsed config that need the installed plugins to see (controls, exception targets).

    ``with_plugins`` adds the plugins' own load problems; a run leaves them out (they are printed
    as warnings, and a broken third-party plugin must not stop the others' controls).
    """
    from scorekeeper.engine import control_problems, exception_problems, override_problems

    return [
        *((str(p) for p in plugins.problems) if with_plugins else ()),
        *control_problems(plugins, config.controls),
        *override_problems(plugins, config.controls, config.overrides),
        *exception_problems(plugins, config.exception_targets),
    ]


def check_all(explicit: str | Path | None, plugins: Any, *, data_dir: Path, today: date) -> CheckReport:
    """Every problem and warning of the configuration found from ``explicit`` (see ``find_config_file``)."""
    from scorekeeper.engine import expired_exceptions
    from scorekeeper.scheduler.notify import check_channels, ensure_builtin_channels

    try:
        config: Config | None = load_config(explicit, data_dir=data_dir)
        problems: list[str] = []
    except ConfigError as exc:
        config, problems = exc.partial, list(exc.problems)
        if config is None:  # the file itself could not be read or parsed: nothing more to check
            return CheckReport(exc.source, None, problems)
    assert config is not None
    problems += config_problems(config, plugins)
    problems += [f"tenants.{line}" for line in tenant_credential_lines(list(config.tenants.values()))]
    ensure_builtin_channels(plugins)
    problems += check_channels(plugins, config.notifications)
    return CheckReport(config.source, config, problems, expired_exceptions(config.exception_targets, today))


class CredentialError(Exception):
    """Credentials of the named tenants cannot be built; one line per tenant, exit 2."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def preflight(config: Config, plugins: Any, tenants: Iterable[str]) -> None:
    """Refuse, before any tenant is contacted or any database opened, what ``config check`` would.

    Raises :class:`ConfigError` for problems of the file or its control and exception tables, and
    :class:`CredentialError` naming each of ``tenants`` whose credential references are broken
    (other tenants' credentials are ``config check``'s business, not this run's).
    """
    problems = config_problems(config, plugins, with_plugins=False)
    if problems:
        raise ConfigError(problems, config.source)
    lines = tenant_credential_lines([config.tenant(name) for name in tenants])
    if lines:
        raise CredentialError(lines)
