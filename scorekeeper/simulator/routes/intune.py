"""Intune device configurations: list (with $expand=assignments), get, create, update, delete, assign."""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, find, merge

table = RouteTable(Area.INTUNE)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
WRITE = ("DeviceManagementConfiguration.ReadWrite.All",)
CONFIGS = "/deviceManagement/deviceConfigurations"
FRAGMENT = "deviceManagement/deviceConfigurations"
SERVER_SET = ("id", "createdDateTime", "lastModifiedDateTime", "version")
TARGET_TYPES = {
    "#microsoft.graph.allDevicesAssignmentTarget",
    "#microsoft.graph.allLicensedUsersAssignmentTarget",
    "#microsoft.graph.groupAssignmentTarget",
    "#microsoft.graph.exclusionGroupAssignmentTarget",
}


def _expand(ctx: RequestContext) -> bool:
    raw = ctx.query.get("$expand")
    if raw is None:
        return False
    if raw.strip() != "assignments":
        raise ctx.bad_request(f"Could not find a property named '{raw}' on type 'microsoft.graph.deviceConfiguration'.")
    return True


def _view(config: dict[str, Any], expand: bool) -> dict[str, Any]:
    view = {k: v for k, v in config.items() if k != "assignments"}
    if expand:
        view["assignments"] = copy.deepcopy(config.get("assignments") or [])
    return view


def _config(ctx: RequestContext) -> dict[str, Any]:
    found = find(ctx.state["deviceConfigurations"], ctx.params["id"])
    if found is None:
        raise ctx.not_found(ctx.params["id"])
    return found


@table.get(CONFIGS, permissions=READ, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-list")
def list_configs(ctx: RequestContext) -> dict[str, Any]:
    expand = _expand(ctx)
    views = [_view(c, expand) for c in ctx.state["deviceConfigurations"]]
    return ctx.collection(views, FRAGMENT, type_name="deviceConfiguration", filterable=("displayName",), page_size=100)


@table.post(CONFIGS, permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-windows10customconfiguration-create")
def create_config(ctx: RequestContext) -> Reply:
    body = ctx.json_body()
    kind = body.get("@odata.type")
    if not isinstance(kind, str) or kind == "#microsoft.graph.deviceConfiguration":
        raise ctx.bad_request("A derived type of microsoft.graph.deviceConfiguration must be given in @odata.type.")
    try:
        ctx.validate(kind.removeprefix("#microsoft.graph."), body, required=("displayName",))
    except ImportError:
        raise ctx.bad_request(f"Unknown @odata.type '{kind}'.") from None
    if "assignments" in body:
        raise ctx.bad_request("Assignments are made with the assign action, not in the create body.")
    now = ctx.now()
    config = {
        "@odata.type": kind,
        "id": ctx.new_id(),
        "lastModifiedDateTime": now,
        "createdDateTime": now,
        "description": None,
        "displayName": body["displayName"],
        "version": 1,
        **{k: v for k, v in body.items() if k not in ("@odata.type", *SERVER_SET)},
        "assignments": [],
    }
    ctx.state["deviceConfigurations"].append(config)
    return ctx.created(_view(config, False), f"{FRAGMENT}/$entity")


@table.get(f"{CONFIGS}/{{id}}", permissions=READ, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-get")
def get_config(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_view(_config(ctx), _expand(ctx)), f"{FRAGMENT}/$entity")


@table.patch(f"{CONFIGS}/{{id}}", permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-update")
def patch_config(ctx: RequestContext) -> dict[str, Any]:
    config = _config(ctx)
    body = dict(ctx.json_body())
    if body.get("@odata.type", config["@odata.type"]) != config["@odata.type"]:
        raise ctx.bad_request("The @odata.type of a device configuration cannot be changed.")
    body["@odata.type"] = config["@odata.type"]
    ctx.validate(config["@odata.type"].removeprefix("#microsoft.graph."), body)
    body.pop("@odata.type")
    if "assignments" in body:
        raise ctx.bad_request("Assignments are made with the assign action.")
    merge(config, body)
    config["lastModifiedDateTime"] = ctx.now()
    config["version"] = int(config.get("version") or 0) + 1
    return ctx.entity(_view(config, False), f"{FRAGMENT}/$entity", select=False)


@table.delete(f"{CONFIGS}/{{id}}", permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-delete")
def delete_config(ctx: RequestContext) -> Reply:
    config = _config(ctx)
    ctx.state["deviceConfigurations"].remove(config)
    return ctx.no_content()


@table.get(
    f"{CONFIGS}/{{id}}/assignments",
    permissions=READ,
    doc=f"{LEARN}/intune-deviceconfig-deviceconfigurationassignment-list",
)
def list_assignments(ctx: RequestContext) -> dict[str, Any]:
    config = _config(ctx)
    fragment = f"{FRAGMENT}('{config['id']}')/assignments"
    return ctx.collection(copy.deepcopy(config.get("assignments") or []), fragment, top=False)


@table.post(
    f"{CONFIGS}/{{id}}/assign", permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-assign"
)
def assign(ctx: RequestContext) -> dict[str, Any]:
    """Replaces the configuration's assignments; answers with the new ones."""
    config = _config(ctx)
    body = ctx.json_body()
    unknown = sorted(set(body) - {"assignments"})
    if unknown:
        raise ctx.bad_request(f"The parameter '{unknown[0]}' in the request payload is not a valid parameter.")
    assignments = body.get("assignments")
    if not isinstance(assignments, list):
        raise ctx.bad_request("The parameter 'assignments' must be a collection.")
    made = []
    for entry in assignments:
        ctx.validate("deviceConfigurationAssignment", entry)
        target = entry.get("target") or {}
        if target.get("@odata.type") not in TARGET_TYPES:
            raise ctx.bad_request(f"Invalid assignment target type '{target.get('@odata.type')}'.")
        if target["@odata.type"].endswith("roupAssignmentTarget") and not target.get("groupId"):
            raise ctx.bad_request("A group assignment target needs a groupId.")
        suffix = target.get("groupId") or target["@odata.type"].rsplit(".", 1)[-1]
        made.append(
            {
                "@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                "id": f"{config['id']}_{suffix}",
                "target": dict(target),
            }
        )
    config["assignments"] = made
    config["lastModifiedDateTime"] = ctx.now()
    return {
        "@odata.context": ctx.context_url("Collection(microsoft.graph.deviceConfigurationAssignment)"),
        "value": copy.deepcopy(made),
    }
