"""The effective value of every ``[controls.<id>]`` key for one tenant, and where it came from.

``config show --tenant X`` renders this; the engine uses the same merge
(:meth:`scorekeeper.config.model.Config.control_values`) when it builds a tenant's desired values, so
what is shown is what runs. A key comes from the tenant's ``[tenants.X.controls.<id>]`` table,
else from the shared ``[controls.<id>]`` table, else from the plugin's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scorekeeper.config.model import Config, validate_control_config
from scorekeeper.domain.model import Control
from scorekeeper.engine.controls import AUTO_REMEDIATE, plugin_values

DEFAULT = "default"


@dataclass(frozen=True)
class EffectiveValue:
    """One key of one control for one tenant: its value and the table that set it."""

    key: str
    value: Any
    source: str  # "tenants.X.controls.Y", "controls.Y" or "default"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "source": self.source}


@dataclass(frozen=True)
class ControlValues:
    """Every key of a control as one tenant gets it; ``problems`` when the merged table is invalid."""

    control: str
    values: tuple[EffectiveValue, ...]
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "values": [v.to_dict() for v in self.values],
            "problems": list(self.problems),
        }


def _source(config: Config, tenant: str, control_id: str, key: str) -> str:
    if key in config.overrides.get(tenant, {}).get(control_id, {}):
        inherited = config.template_source(tenant, f"controls.{control_id}.{key}")  # [templates.NAME]
        return inherited or f"tenants.{tenant}.controls.{control_id}"
    if key in config.controls.get(control_id, {}):
        return f"controls.{control_id}"
    return DEFAULT


def _plain(value: Any) -> Any:
    """Tuples as lists, so text and JSON show the TOML form."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def explain(config: Config, control: Control, tenant: str) -> ControlValues:
    """Every key ``control`` takes, with the value ``tenant`` runs with and its source.

    Keys are the plugin model's fields in their declared order, then ``auto_remediate``. When
    the merged table does not validate, the values written are shown as written and the
    problems are returned beside them (``config check`` lists the same problems).
    """
    raw = config.control_values(control.id, tenant)
    model = control.config_model
    instance, problems = validate_control_config(control.id, model, plugin_values(raw))
    fields: list[str] = list(getattr(model, "model_fields", {}) or {})
    keys = [*fields, *(k for k in raw if k not in fields and k != AUTO_REMEDIATE), AUTO_REMEDIATE]
    values = []
    for key in keys:
        if key == AUTO_REMEDIATE:
            value = raw.get(AUTO_REMEDIATE, False)
        elif instance is not None and key in fields:
            value = getattr(instance, key)
        elif key in raw:
            value = raw[key]
        else:
            default = model.model_fields[key] if model is not None else None
            value = None if default is None or default.is_required() else default.get_default(call_default_factory=True)
        values.append(EffectiveValue(key, _plain(value), _source(config, tenant, control.id, key)))
    return ControlValues(control.id, tuple(values), tuple(problems))
