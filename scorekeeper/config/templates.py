"""``[templates.NAME]`` and ``[partner]``: settings shared by many ``[tenants.NAME]`` tables.

An MSP with 300 customers signs in to every customer tenant with one multi-tenant app
registration, applies the same control values and the same remediation rules. Writing those
300 times invites drift between tables, so a tenant table may name a template
(``template = "msp"``) and inherit every key of it. The expansion happens on the raw TOML
document before validation, so a tenant built from a template is validated exactly like one
written out in full, and every problem still names the table the operator wrote.

Precedence, most specific first: a key of ``[tenants.NAME]`` (or of its ``controls.ID`` /
``remediation`` sub-tables, key by key) wins over the template's, which wins over the shared
``[controls.ID]`` / ``[remediation]`` tables, which win over the plugin's defaults. A template's
``groups = ["gold"]`` adds each tenant using it to those ``[groups.NAME]`` (created when absent).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scorekeeper.util.suggest import did_you_mean

#: Sub-tables merged key by key (a tenant's ``controls.ID.key`` replaces only that key).
_MERGED_TABLES = ("controls", "remediation")
#: Keys a template may hold that are not tenant-table keys.
_TEMPLATE_ONLY = ("groups",)
#: Tenant keys that name one tenant and so make no sense shared by many.
_PER_TENANT = ("tenant_id", "state", "token", "token_env", "portal_token", "portal_token_env")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_tenant_id(value: str) -> bool:
    """Whether ``value`` is a tenant id as Entra ID assigns them (a GUID)."""
    return bool(_GUID.match(value))


class PartnerSettings(BaseModel):
    """``[partner]``: the partner's own tenant and the template holding its multi-tenant app.

    ``template`` names the ``[templates.NAME]`` whose auth keys (client id and certificate,
    federated token or secret reference) sign in to the partner tenant for GDAP discovery and
    to every customer tenant. ``consent_redirect_uri`` is a redirect URI registered on that app:
    Microsoft's v2.0 admin consent endpoint requires one and sends the admin back to it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    template: str
    consent_redirect_uri: str | None = Field(default=None, min_length=8)

    @field_validator("tenant_id")
    @classmethod
    def _tenant_id(cls, value: str) -> str:
        if not is_tenant_id(value):
            raise ValueError("must be the partner tenant's id (a GUID)")
        return value.lower()

    @field_validator("consent_redirect_uri")
    @classmethod
    def _redirect(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ValueError("must be https (or http on localhost), as registered on the app")
        return value


def expand_templates(data: dict[str, Any], problems: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` with every tenant's template folded in; also tenant → template name.

    :func:`inherited_keys` says afterwards which of a tenant's keys its template supplied.

    Problems (an unknown template, a template that is not a table, a per-tenant key in a
    template) are added to ``problems`` as one line each; the tenant is then left as written so
    its other problems are still reported. ``data`` itself is not modified.
    """
    raw_templates = data.get("templates", {})
    if not isinstance(raw_templates, dict) or not all(isinstance(t, dict) for t in raw_templates.values()):
        problems.append("templates: must be [templates.NAME] tables")
        return data, {}
    for name, template in raw_templates.items():
        problems += [
            f"templates.{name}.{key}: names one tenant; write it in each [tenants.NAME] instead"
            for key in _PER_TENANT
            if key in template
        ]
        groups = template.get("groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            problems.append(f"templates.{name}.groups: must be a list of group names")
    raw_tenants = data.get("tenants", {})
    if not isinstance(raw_tenants, dict):
        return data, {}
    out = dict(data)
    tenants: dict[str, Any] = {}
    used: dict[str, str] = {}
    joined: dict[str, list[str]] = {}
    for tenant, table in raw_tenants.items():
        if not isinstance(table, dict) or "template" not in table:
            tenants[tenant] = table
            continue
        table = dict(table)
        name = table.pop("template")
        template = raw_templates.get(name) if isinstance(name, str) else None
        if template is None:
            hint = did_you_mean(name, raw_templates) if isinstance(name, str) else ""
            known = ", ".join(sorted(raw_templates)) or "none defined"
            problems.append(f"tenants.{tenant}.template: unknown template {name!r}{hint} (templates: {known})")
            tenants[tenant] = table
            continue
        used[tenant] = name
        tenants[tenant] = merge_template(template, table)
        groups = template.get("groups", [])
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, str):
                joined.setdefault(group, []).append(tenant)
    out["tenants"] = tenants
    if joined:
        out["groups"] = _join_groups(data.get("groups", {}), joined)
    return out, used


def inherited_keys(template: dict[str, Any], table: dict[str, Any]) -> frozenset[str]:
    """The dotted keys (``auth``, ``controls.ID.key``, ``remediation.key``) a tenant takes from its template.

    ``table`` is the tenant's own table as written; ``config show`` names the template as the
    source of these keys instead of the tenant's table.
    """
    found: set[str] = set()
    for key, value in template.items():
        if key in _TEMPLATE_ONLY or key in _PER_TENANT:
            continue
        own = table.get(key)
        if key == "controls" and isinstance(value, dict):
            for control, values in value.items():
                mine = own.get(control, {}) if isinstance(own, dict) else {}
                if isinstance(values, dict):
                    found |= {f"controls.{control}.{k}" for k in values if not (isinstance(mine, dict) and k in mine)}
        elif key == "remediation" and isinstance(value, dict):
            found |= {f"remediation.{k}" for k in value if not (isinstance(own, dict) and k in own)}
        elif key not in table:
            found.add(key)
    return frozenset(found)


def merge_template(template: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """One tenant table: the template's keys, then the tenant's own on top (sub-tables key by key)."""
    merged = {k: copy.deepcopy(v) for k, v in template.items() if k not in _TEMPLATE_ONLY and k not in _PER_TENANT}
    for key, value in table.items():
        if key in _MERGED_TABLES and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_sub(merged[key], value, nested=key == "controls")
        else:
            merged[key] = value
    return merged


def _merge_sub(base: dict[str, Any], over: dict[str, Any], *, nested: bool) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if nested and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _join_groups(raw: Any, joined: dict[str, list[str]]) -> Any:
    """``[groups.*]`` with each template's tenants added (a group may be declared only by templates)."""
    if not isinstance(raw, dict):
        return raw  # reported by the groups parser
    groups = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for group, members in joined.items():
        table = groups.setdefault(group, {"tenants": []})
        if isinstance(table, dict) and isinstance(table.get("tenants", []), list):
            listed = list(table.get("tenants", []))
            table["tenants"] = listed + [m for m in members if m not in listed]
    return groups


def parse_partner(raw: Any, templates: dict[str, Any], problems: list[str]) -> PartnerSettings | None:
    """``[partner]`` validated, its template checked to exist; ``None`` when absent or invalid."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append("partner: must be a table")
        return None
    from pydantic import ValidationError

    from scorekeeper.config.validation import format_validation_error

    try:
        partner = PartnerSettings(**raw)
    except ValidationError as exc:
        problems += format_validation_error("partner", exc, PartnerSettings)
        return None
    if partner.template not in templates:
        hint = did_you_mean(partner.template, templates)
        problems.append(f"partner.template: unknown template {partner.template!r}{hint}")
        return None
    return partner
