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

from scorekeeper.config.model import Config, ConfigError, ExceptionTarget, load_config, validate_control_config
from scorekeeper.engine.controls import AUTO_REMEDIATE, plugin_values
from scorekeeper.engine.credentials import tenant_credential_lines

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import CredentialError as CredentialError
from scorekeeper.plugin.manager import Plugins
from scorekeeper.util.suggest import did_you_mean


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

    return [
        *((str(p) for p in plugins.problems) if with_plugins else ()),
        *control_problems(plugins, config.controls),
        *override_problems(plugins, config.controls, config.overrides),
        *exception_problems(plugins, config.exception_targets),
        *remediation_problems(plugins, config),
    ]


def remediation_problems(plugins: Any, config: Config) -> list[str]:
    """``accept_impact`` and ``promote`` entries naming a control or setting no installed plugin declares."""
    tables = [("remediation", config.remediation_values)]
    tables += [(f"tenants.{t}.remediation", values) for t, values in config.remediation_overrides.items()]
    problems = []
    for where, values in tables:
        for key in ("accept_impact", "promote"):
            for ref in values.get(key) or ():
                control_id, _, setting = str(ref).partition(".")
                control = plugins.controls.get(control_id)
                if control is None:
                    known = ", ".join(sorted(plugins.controls)) or "none installed"
                    problems.append(f"{where}.{key}: unknown control {control_id!r} in {ref!r} (known: {known})")
                elif setting != "*" and setting not in control.setting_ids:
                    problems.append(
                        f"{where}.{key}: control {control_id} has no setting {setting!r} "
                        f"(known: {', '.join(control.setting_ids)})"
                    )
    return problems


def check_all(explicit: str | Path | None, plugins: Any, *, data_dir: Path, today: date) -> CheckReport:
    """Every problem and warning of the configuration found from ``explicit`` (see ``find_config_file``)."""
    from scorekeeper.channels.notify import check_channels, ensure_builtin_channels

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
    return CheckReport(config.source, config, problems, expired_exception_lines(config.exception_targets, today))


def preflight(config: Config, plugins: Any, tenants: Iterable[str]) -> None:
    """Refuse, before any tenant is contacted or any database opened, what ``config check`` would.

    Raises :class:`ConfigError` for problems of the file or its control and exception tables, and
    :class:`CredentialError` naming each of ``tenants`` whose credential references are broken
    (other tenants' credentials are ``config check``'s business, not this run's).
    """
    from scorekeeper.channels.notify import check_channels, ensure_builtin_channels

    problems = config_problems(config, plugins, with_plugins=False)
    # The [notifications.*] tables exactly as `config check` checks them: a run that `config check`
    # rejects must not contact a tenant or create a database (it used to, for these tables).
    ensure_builtin_channels(plugins)
    problems += check_channels(plugins, config.notifications)
    if problems:
        raise ConfigError(problems, config.source)
    lines = tenant_credential_lines([config.tenant(name) for name in tenants])
    if lines:
        raise CredentialError(lines)


def control_problems(plugins: Plugins, controls: dict[str, dict[str, Any]]) -> list[str]:
    """Problems in the ``[controls.*]`` tables, checked against the installed plugins' models."""
    problems: list[str] = []
    for control_id, values in controls.items():
        if not isinstance(values, dict):
            problems.append(f"controls.{control_id}: must be a table")
            continue
        if control_id not in plugins.controls:
            hint = did_you_mean(control_id, plugins.controls)
            problems.append(f"controls.{control_id}: no installed plugin provides this control{hint}")
            continue
        _, found = validate_control_config(control_id, plugins.controls[control_id].config_model, plugin_values(values))
        problems += found
        if not isinstance(values.get(AUTO_REMEDIATE, False), bool):
            problems.append(f"controls.{control_id}.{AUTO_REMEDIATE}: must be true or false")
    return problems


def exception_problems(plugins: Plugins, targets: Iterable[ExceptionTarget]) -> list[str]:
    """``[[exceptions]]`` that name a control or setting no installed plugin has (with a did-you-mean)."""
    problems: list[str] = []
    for target in targets:
        where = f"exceptions[{target.index}]"
        control = plugins.controls.get(target.control)
        if control is None:
            hint = did_you_mean(target.control, plugins.controls)
            problems.append(f"{where}.control: unknown control {target.control!r}{hint}")
        elif target.setting not in control.setting_ids:
            hint = did_you_mean(target.setting, control.setting_ids)
            problems.append(f"{where}.setting: control {target.control} has no setting {target.setting!r}{hint}")
    return problems


def expired_exception_lines(targets: Iterable[ExceptionTarget], today: date) -> list[str]:
    """Warnings for ``[[exceptions]]`` already past their date: they no longer excuse anything."""
    return [
        f"exceptions[{target.index}]: {rule.control}/{rule.setting}"
        + (f" for {rule.tenant}" if rule.tenant else "")
        + f" expired on {rule.expires}; the setting counts as failing again (renew or remove it)"
        for target in targets
        if (rule := target.rule) is not None and rule.expired(today)
    ]


def override_problems(
    plugins: Plugins, controls: dict[str, dict[str, Any]], overrides: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    """Problems in ``[tenants.X.controls.Y]``: each tenant's effective table is validated whole.

    A problem caused by a key the tenant overrides is reported at that tenant's path; one the
    shared ``[controls.Y]`` table already has is left to :func:`control_problems` (no repeats);
    one that only the combination causes (a model-level rule) is reported at the tenant's table.
    """
    problems: list[str] = []
    shared = set(control_problems(plugins, controls))
    for tenant, tables in overrides.items():
        for control_id, values in tables.items():
            where = f"tenants.{tenant}.controls.{control_id}"
            if control_id not in plugins.controls:
                problems.append(f"{where}: no installed plugin provides this control")
                continue
            merged = {**controls.get(control_id, {}), **values}
            for line in control_problems(plugins, {control_id: merged}):
                path = line.split(":", 1)[0]
                key = path.removeprefix(f"controls.{control_id}").lstrip(".").split(".", 1)[0]
                if key in values or line not in shared:
                    problems.append(f"tenants.{tenant}.{line}")
    return problems
