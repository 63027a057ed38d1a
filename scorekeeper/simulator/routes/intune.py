"""Intune: device configurations (v1.0, beta) and Settings Catalog policies (beta ``configurationPolicies``).

Every Intune route needs an Intune licence in the tenant ("The Microsoft Graph API for Intune
requires an active Intune license for the tenant", on each Intune page): without one the route
answers as :func:`scorekeeper.simulator.licensing.require_intune` documents.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_intune
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, merge

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
    return lookup(ctx, ctx.state["deviceConfigurations"])


def _navigation(ctx: RequestContext, owner: dict[str, Any], base: str, name: str) -> dict[str, Any]:
    """``GET …/{id}/assignments`` (or ``/settings``): what ``owner`` holds under ``name``, as one page, no $top."""
    return ctx.collection(copy.deepcopy(owner.get(name) or []), f"{base}('{owner['id']}')/{name}", top=False)


def _assign(
    ctx: RequestContext,
    owner: dict[str, Any],
    assignment_type: str,
    made: Callable[[str, dict[str, Any]], dict[str, Any]],
    *,
    validate: bool,
) -> dict[str, Any]:
    """The ``assign`` action both kinds of Intune policy have: replace ``owner``'s assignments, answer with them.

    The body holds ``assignments`` and nothing else; each one's ``target`` must be one of
    :data:`TARGET_TYPES` (a group target with its ``groupId``). ``made(suffix, target)`` builds the
    stored assignment, whose id ends in the group id or the target type. ``validate``: check each
    entry against the metadata first (v1.0's ``assignment_type``; the beta Settings Catalog type is
    not in it).
    """
    body = ctx.json_body()
    unknown = sorted(set(body) - {"assignments"})
    if unknown:
        raise ctx.bad_request(f"The parameter '{unknown[0]}' in the request payload is not a valid parameter.")
    assignments = body.get("assignments")
    if not isinstance(assignments, list):
        raise ctx.bad_request("The parameter 'assignments' must be a collection.")
    new = []
    for entry in assignments:
        if validate:
            ctx.validate(assignment_type, entry)
        target = entry.get("target") if isinstance(entry, dict) else None
        if not isinstance(target, dict) or target.get("@odata.type") not in TARGET_TYPES:
            kind = target.get("@odata.type") if isinstance(target, dict) else None
            raise ctx.bad_request(f"Invalid assignment target type '{kind}'.")
        if target["@odata.type"].endswith("roupAssignmentTarget") and not target.get("groupId"):
            raise ctx.bad_request("A group assignment target needs a groupId.")
        suffix = target.get("groupId") or target["@odata.type"].rsplit(".", 1)[-1]
        new.append(made(suffix, dict(target)))
    owner["assignments"] = new
    owner["lastModifiedDateTime"] = ctx.now()
    return {
        "@odata.context": ctx.context_url(f"Collection(microsoft.graph.{assignment_type})"),
        "value": copy.deepcopy(new),
    }


@table.get(CONFIGS, permissions=READ, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-list")
def list_configs(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    expand = _expand(ctx)
    views = [_view(c, expand) for c in ctx.state["deviceConfigurations"]]
    return ctx.collection(views, FRAGMENT, type_name="deviceConfiguration", filterable=("displayName",), page_size=100)


@table.post(CONFIGS, permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-windows10customconfiguration-create")
def create_config(ctx: RequestContext) -> Reply:
    require_intune(ctx.state)
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
    require_intune(ctx.state)
    return ctx.entity(_view(_config(ctx), _expand(ctx)), f"{FRAGMENT}/$entity")


@table.patch(f"{CONFIGS}/{{id}}", permissions=WRITE, doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-update")
def patch_config(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
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
    require_intune(ctx.state)
    config = _config(ctx)
    ctx.state["deviceConfigurations"].remove(config)
    return ctx.no_content()


@table.get(
    f"{CONFIGS}/{{id}}/assignments",
    permissions=READ,
    doc=f"{LEARN}/intune-deviceconfig-deviceconfigurationassignment-list",
)
def list_assignments(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    return _navigation(ctx, _config(ctx), FRAGMENT, "assignments")


@table.post(
    f"{CONFIGS}/{{id}}/assign",
    permissions=WRITE,
    doc=f"{LEARN}/intune-deviceconfig-deviceconfiguration-assign",
    returns="deviceConfigurationAssignment",  # the action answers with the new assignments
)
def assign(ctx: RequestContext) -> dict[str, Any]:
    """Replaces the configuration's assignments; answers with the new ones."""
    require_intune(ctx.state)
    config = _config(ctx)

    def made(suffix: str, target: dict[str, Any]) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
            "id": f"{config['id']}_{suffix}",
            "target": target,
        }

    return _assign(ctx, config, "deviceConfigurationAssignment", made, validate=True)


# --------------------------------------------------------------------------- Settings Catalog (beta)
# intune-deviceconfigv2-devicemanagementconfigurationpolicy-*: beta only. The simulator stores a
# policy with its ``settings`` and ``assignments`` inside it and serves them as the navigation
# properties they are ($expand, /settings, /assignments). msgraph-sdk is v1.0 only, so bodies are
# checked here against the beta resource pages rather than an SDK model.
POLICIES = "/deviceManagement/configurationPolicies"
POLICY_FRAGMENT = "deviceManagement/configurationPolicies"
BETA = ("beta",)
POLICY_NAVIGATION = ("settings", "assignments")
POLICY_WRITABLE = frozenset(
    {
        "name",
        "description",
        "platforms",
        "technologies",
        "roleScopeTagIds",
        "settings",
        "templateReference",
        "creationSource",
        "priorityMetaData",
    }
)
POLICY_SERVER_SET = frozenset({"id", "createdDateTime", "lastModifiedDateTime", "settingCount", "isAssigned"})
PLATFORMS = frozenset({"none", "android", "iOS", "macOS", "windows10X", "windows10", "linux", "unknownFutureValue"})
TECHNOLOGIES = frozenset(
    {
        "none",
        "mdm",
        "windows10XManagement",
        "configManager",
        "appleRemoteManagement",
        "microsoftSense",
        "exchangeOnline",
        "mobileApplicationManagement",
        "linuxMdm",
        "extensibility",
        "enrollment",
        "endpointPrivilegeManagement",
        "unknownFutureValue",
        "windowsOsRecovery",
    }
)
INSTANCE_TYPES = frozenset(
    f"#microsoft.graph.deviceManagementConfiguration{kind}"
    for kind in (
        "ChoiceSettingInstance",
        "ChoiceSettingCollectionInstance",
        "SimpleSettingInstance",
        "SimpleSettingCollectionInstance",
        "GroupSettingInstance",
        "GroupSettingCollectionInstance",
        "SettingGroupInstance",
        "SettingGroupCollectionInstance",
    )
)
#: The Settings Catalog's "Allow Aad Password Reset" (Policy CSP Authentication/AllowAadPasswordReset).
ALLOW_AAD_PASSWORD_RESET = "device_vendor_msft_policy_config_authentication_allowaadpasswordreset"


def _policy_expand(ctx: RequestContext) -> frozenset[str]:
    raw = ctx.query.get("$expand")
    if raw is None:
        return frozenset()
    wanted = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(wanted - set(POLICY_NAVIGATION))
    if unknown:
        owner = "microsoft.graph.deviceManagementConfigurationPolicy"
        raise ctx.bad_request(f"Could not find a property named '{unknown[0]}' on type '{owner}'.")
    return wanted


def _policy_view(policy: dict[str, Any], expand: frozenset[str] = frozenset()) -> dict[str, Any]:
    view = {k: copy.deepcopy(v) for k, v in policy.items() if k not in POLICY_NAVIGATION}
    view["settingCount"] = len(policy.get("settings") or [])
    view["isAssigned"] = bool(policy.get("assignments"))
    for name in POLICY_NAVIGATION:
        if name in expand:
            view[name] = copy.deepcopy(policy.get(name) or [])
    return view


def _policy(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state.setdefault("configurationPolicies", []))


def _check_enum(ctx: RequestContext, name: str, value: Any, allowed: frozenset[str], *, flags: bool = False) -> None:
    parts = str(value).split(",") if flags and isinstance(value, str) else [value]
    for part in parts:
        if not isinstance(part, str) or part.strip() not in allowed:
            raise ctx.bad_request(f"Requested value '{value}' was not found for the property '{name}'.")


def _settings(ctx: RequestContext, raw: Any) -> list[dict[str, Any]]:
    """The ``settings`` of a create/update body, each with its ``settingInstance`` checked; ids by position."""
    if not isinstance(raw, list):
        raise ctx.bad_request("The property 'settings' must be a collection.")
    made = []
    for index, entry in enumerate(raw):
        instance = entry.get("settingInstance") if isinstance(entry, dict) else None
        if not isinstance(instance, dict) or instance.get("@odata.type") not in INSTANCE_TYPES:
            raise ctx.bad_request(
                "Each setting needs a settingInstance of a deviceManagementConfiguration*Instance type."
            )
        if not isinstance(instance.get("settingDefinitionId"), str) or not instance["settingDefinitionId"]:
            raise ctx.bad_request("The property 'settingDefinitionId' is required and must be specified.")
        if instance["@odata.type"].endswith("ChoiceSettingInstance"):
            choice = instance.get("choiceSettingValue")
            if not isinstance(choice, dict) or not isinstance(choice.get("value"), str):
                raise ctx.bad_request("A choice setting instance needs choiceSettingValue.value.")
        made.append({"id": str(index), "settingInstance": copy.deepcopy(instance)})
    return made


def _policy_body(ctx: RequestContext, *, creating: bool) -> dict[str, Any]:
    body = {k: v for k, v in ctx.json_body().items() if k != "@odata.type"}
    for key in sorted(body):
        if key in POLICY_SERVER_SET:
            raise ctx.bad_request(f"Property '{key}' is read-only and cannot be set.")
        if key == "assignments":
            raise ctx.bad_request("Assignments are made with the assign action, not in the policy body.")
        if key not in POLICY_WRITABLE:
            raise ctx.bad_request(
                f"The property '{key}' does not exist on type 'microsoft.graph.deviceManagementConfigurationPolicy'. "
                "Make sure to only use property names that are defined by the type."
            )
    if creating:
        for key in ("name", "platforms", "technologies"):
            if body.get(key) is None:
                raise ctx.bad_request(f"The property '{key}' is required and must be specified.")
    if "platforms" in body:
        _check_enum(ctx, "platforms", body["platforms"], PLATFORMS)
    if "technologies" in body:
        _check_enum(ctx, "technologies", body["technologies"], TECHNOLOGIES, flags=True)
    if "settings" in body:
        body["settings"] = _settings(ctx, body["settings"])
    return body


@table.get(
    POLICIES,
    permissions=READ,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-list",
)
def list_policies(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    expand = _policy_expand(ctx)
    views = [_policy_view(p, expand) for p in ctx.state.get("configurationPolicies") or []]
    return ctx.collection(
        views,
        POLICY_FRAGMENT,
        type_name="deviceManagementConfigurationPolicy",
        filterable=("name", "platforms", "technologies"),
        page_size=100,
    )


@table.post(
    POLICIES,
    permissions=WRITE,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-create",
)
def create_policy(ctx: RequestContext) -> Reply:
    require_intune(ctx.state)
    body = _policy_body(ctx, creating=True)
    now = ctx.now()
    policy: dict[str, Any] = {
        "id": ctx.new_id(),
        "name": body["name"],
        "description": body.get("description") or "",
        "platforms": body["platforms"],
        "technologies": body["technologies"],
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "creationSource": body.get("creationSource"),
        "roleScopeTagIds": list(body.get("roleScopeTagIds") or ["0"]),
        "templateReference": body.get("templateReference")
        or {"templateId": "", "templateFamily": "none", "templateDisplayName": None, "templateDisplayVersion": None},
        "priorityMetaData": body.get("priorityMetaData"),
        "settings": body.get("settings") or [],
        "assignments": [],
    }
    ctx.state.setdefault("configurationPolicies", []).append(policy)
    return ctx.created(_policy_view(policy), f"{POLICY_FRAGMENT}/$entity")


@table.get(
    f"{POLICIES}/{{id}}",
    permissions=READ,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-get",
)
def get_policy(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    return ctx.entity(_policy_view(_policy(ctx), _policy_expand(ctx)), f"{POLICY_FRAGMENT}/$entity")


@table.patch(
    f"{POLICIES}/{{id}}",
    permissions=WRITE,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-update",
)
def patch_policy(ctx: RequestContext) -> dict[str, Any]:
    """Merges the given properties; a ``settings`` collection replaces the policy's settings (assumed)."""
    require_intune(ctx.state)
    policy = _policy(ctx)
    body = _policy_body(ctx, creating=False)
    merge(policy, body)
    policy["lastModifiedDateTime"] = ctx.now()
    return ctx.entity(_policy_view(policy), f"{POLICY_FRAGMENT}/$entity", select=False)


@table.delete(
    f"{POLICIES}/{{id}}",
    permissions=WRITE,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-delete",
)
def delete_policy(ctx: RequestContext) -> Reply:
    require_intune(ctx.state)
    ctx.state["configurationPolicies"].remove(_policy(ctx))
    return ctx.no_content()


@table.get(
    f"{POLICIES}/{{id}}/settings",
    permissions=READ,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationsetting-list",
)
def list_policy_settings(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    return _navigation(ctx, _policy(ctx), POLICY_FRAGMENT, "settings")


@table.get(
    f"{POLICIES}/{{id}}/assignments",
    permissions=READ,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicyassignment-list",
)
def list_policy_assignments(ctx: RequestContext) -> dict[str, Any]:
    require_intune(ctx.state)
    return _navigation(ctx, _policy(ctx), POLICY_FRAGMENT, "assignments")


@table.post(
    f"{POLICIES}/{{id}}/assign",
    permissions=WRITE,
    versions=BETA,
    doc=f"{LEARN}/intune-deviceconfigv2-devicemanagementconfigurationpolicy-assign",
)
def assign_policy(ctx: RequestContext) -> dict[str, Any]:
    """Replaces the policy's assignments (as device configurations' assign does); answers with the new ones."""
    require_intune(ctx.state)
    policy = _policy(ctx)

    def made(suffix: str, target: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"{policy['id']}_{suffix}", "source": "direct", "sourceId": policy["id"], "target": target}

    return _assign(ctx, policy, "deviceManagementConfigurationPolicyAssignment", made, validate=False)
