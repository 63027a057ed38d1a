"""Directory settings (``/groupSettings`` in v1.0, ``/settings`` in beta) and their templates."""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, find

table = RouteTable(Area.DIRECTORY)
LEARN = "https://learn.microsoft.com/graph/api"
#: Tenant-wide settings, per the permission tables of group-list-settings / groupsetting-get
#: (read), group-post-settings (create) and groupsetting-update / groupsetting-delete (write).
READ = (
    "GroupSettings.Read.All",
    "GroupSettings.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
)
CREATE = ("GroupSettings.ReadWrite.All", "Directory.ReadWrite.All")
WRITE = ("GroupSettings.ReadWrite.All", "Directory.ReadWrite.All", "Policy.ReadWrite.Authorization")
PASSWORD_RULES = "5cf42378-d67d-4f36-ba46-e8b86229381d"


def _template_value(name: str, kind: str, default: str, description: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "defaultValue": default, "description": description}


#: Tenant-wide templates served by ``/groupSettingTemplates``. Names, types and defaults of
#: "Password Rule Settings" follow Microsoft's directory settings template reference; the
#: description texts are the simulator's own words.
TEMPLATES: list[dict[str, Any]] = [
    {
        "id": PASSWORD_RULES,
        "deletedDateTime": None,
        "displayName": "Password Rule Settings",
        "description": "Settings for managing tenant-wide password rule settings.",
        "values": [
            _template_value(
                "BannedPasswordCheckOnPremisesMode", "System.String", "Audit", "Enforce or Audit on-premises checks."
            ),
            _template_value(
                "EnableBannedPasswordCheckOnPremises", "System.Boolean", "True", "Check passwords on-premises."
            ),
            _template_value("EnableBannedPasswordCheck", "System.Boolean", "True", "Check the custom banned list."),
            _template_value("LockoutDurationInSeconds", "System.Int32", "60", "Smart lockout duration in seconds."),
            _template_value("LockoutThreshold", "System.Int32", "10", "Failed sign-ins before smart lockout."),
            _template_value("BannedPasswordList", "System.String", "", "Custom banned passwords, tab-separated."),
        ],
    },
    {
        "id": "62375ab9-6b52-47ed-826b-58e47e0e304b",
        "deletedDateTime": None,
        "displayName": "Group.Unified",
        "description": "Settings for Microsoft 365 groups.",
        "values": [
            _template_value("EnableGroupCreation", "System.Boolean", "true", "Whether users may create groups."),
            _template_value("GroupCreationAllowedGroupId", "System.Guid", "", "The group allowed to create groups."),
            _template_value("AllowGuestsToAccessGroups", "System.Boolean", "true", "Whether guests may access."),
        ],
    },
]
_ENUMS = {"BannedPasswordCheckOnPremisesMode": ("Audit", "Enforce")}


PASSWORD_RULES = "5cf42378-d67d-4f36-ba46-e8b86229381d"


def _fragment(ctx: RequestContext) -> str:
    return "groupSettings" if ctx.version == "v1.0" else "settings"


def _template(ctx: RequestContext, template_id: str) -> dict[str, Any]:
    return lookup(ctx, TEMPLATES, template_id)


def _check_values(ctx: RequestContext, template: dict[str, Any], values: Any) -> dict[str, str]:
    if not isinstance(values, list):
        raise ctx.bad_request("Invalid value specified for property 'values' of resource 'DirectorySetting'.")
    kinds = {v["name"]: v["type"] for v in template["values"]}
    checked: dict[str, str] = {}
    for entry in values:
        ctx.validate("settingValue", entry)
        name, value = entry.get("name"), entry.get("value")
        if name not in kinds:
            raise ctx.bad_request(f"Setting '{name}' is not defined on template '{template['displayName']}'.")
        if not isinstance(value, str):
            raise ctx.bad_request(f"Invalid value specified for setting '{name}': values are strings.")
        if kinds[name] == "System.Boolean" and value.lower() not in ("true", "false"):
            raise ctx.bad_request(f"Invalid value '{value}' for setting '{name}' of type {kinds[name]}.")
        if kinds[name] == "System.Int32" and not value.lstrip("-").isdigit():
            raise ctx.bad_request(f"Invalid value '{value}' for setting '{name}' of type {kinds[name]}.")
        if name in _ENUMS and value not in _ENUMS[name]:
            raise ctx.bad_request(f"Invalid value '{value}' for setting '{name}'.")
        checked[name] = value
    return checked


def _setting(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state["groupSettings"])


for _path, _versions in (("/groupSettings", ("v1.0", "beta")), ("/settings", ("beta",))):

    @table.get(_path, permissions=READ, versions=_versions, doc=f"{LEARN}/group-list-settings")
    def list_settings(ctx: RequestContext) -> dict[str, Any]:
        return ctx.collection(ctx.state["groupSettings"], _fragment(ctx), type_name="groupSetting", top=False)

    @table.post(_path, permissions=CREATE, versions=_versions, doc=f"{LEARN}/group-post-settings")
    def create_setting(ctx: RequestContext) -> Reply:
        body = ctx.validate("groupSetting", required=("templateId",))
        template = _template(ctx, body["templateId"])
        if template["id"] == PASSWORD_RULES:
            require_premium(ctx.state)  # custom banned passwords need Entra ID P1 (concept-password-ban-bad)
        if find(ctx.state["groupSettings"], template["id"], "templateId") is not None:
            raise ctx.bad_request(
                "A conflicting object with one or more of the specified property values is present in the directory."
            )
        given = _check_values(ctx, template, body.get("values") or [])
        values = [{"name": v["name"], "value": given.get(v["name"], v["defaultValue"])} for v in template["values"]]
        setting = {
            "id": ctx.new_id(),
            "displayName": template["displayName"],
            "templateId": template["id"],
            "values": values,
        }
        ctx.state["groupSettings"].append(setting)
        return ctx.created(copy.deepcopy(setting), f"{_fragment(ctx)}/$entity")

    @table.get(f"{_path}/{{id}}", permissions=READ, versions=_versions, doc=f"{LEARN}/groupsetting-get")
    def get_setting(ctx: RequestContext) -> dict[str, Any]:
        return ctx.entity(_setting(ctx), f"{_fragment(ctx)}/$entity")

    @table.patch(f"{_path}/{{id}}", permissions=WRITE, versions=_versions, doc=f"{LEARN}/groupsetting-update")
    def patch_setting(ctx: RequestContext) -> Reply:
        """Values are merged by name: a value left out keeps its current value (assumed)."""
        setting = _setting(ctx)
        if setting["templateId"] == PASSWORD_RULES:
            require_premium(ctx.state)
        body = ctx.validate("groupSetting", writable=("values",))
        given = _check_values(ctx, _template(ctx, setting["templateId"]), body.get("values") or [])
        for entry in setting["values"]:
            if entry["name"] in given:
                entry["value"] = given[entry["name"]]
        return ctx.no_content()

    @table.delete(f"{_path}/{{id}}", permissions=WRITE, versions=_versions, doc=f"{LEARN}/groupsetting-delete")
    def delete_setting(ctx: RequestContext) -> Reply:
        ctx.state["groupSettings"].remove(_setting(ctx))
        return ctx.no_content()


#: groupsettingtemplate-list's table: GroupSettings.Read.All, then Directory.Read.All and .ReadWrite.All;
#: groupsettingtemplate-get's table also lists GroupSettings.ReadWrite.All.
_TEMPLATE_LIST = ("GroupSettings.Read.All", "Directory.Read.All", "Directory.ReadWrite.All")
_TEMPLATE_GET = (*_TEMPLATE_LIST, "GroupSettings.ReadWrite.All")


@table.get("/groupSettingTemplates", permissions=_TEMPLATE_LIST, doc=f"{LEARN}/groupsettingtemplate-list")
def list_templates(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        copy.deepcopy(TEMPLATES), "groupSettingTemplates", type_name="groupSettingTemplate", top=False
    )


@table.get("/groupSettingTemplates/{id}", permissions=_TEMPLATE_GET, doc=f"{LEARN}/groupsettingtemplate-get")
def get_template(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(copy.deepcopy(_template(ctx, ctx.params["id"])), "groupSettingTemplates/$entity")
