"""Directory roles and unified role management (RBAC and PIM reads) of Microsoft Graph v1.0/beta.

Role membership has one source in the state, ``roleAssignments`` (unified role assignments at
directory scope ``/``): ``/directoryRoles/{id}/members`` and ``$expand=principal`` are derived from
it, so a fixture that adds an assignment changes every view at once. ``directoryRoles`` holds the
roles activated in the tenant; a role is addressed by its object id or its template id, as Graph
allows. A missing state key reads as an empty collection.

Privileged Identity Management's lists (eligibility schedules and instances, assignment schedule
instances) need Microsoft Entra ID P2: on a tenant without it they answer 400
``AadPremiumLicenseRequired`` (see :mod:`scorekeeper.simulator.licensing`).
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import Area, GraphError
from scorekeeper.simulator.licensing import require_p2
from scorekeeper.simulator.routes.entityset import entity_set, lookup
from scorekeeper.simulator.routing import RequestContext, RouteTable, find

table = RouteTable(Area.DIRECTORY)
LEARN = "https://learn.microsoft.com/graph/api"
#: directoryrole-list / -get / -list-members: least RoleManagement.Read.Directory.
DIRECTORY_ROLES = (
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
#: rbacapplication-list-roleassignments (directory provider), the same table on the role definition pages.
RBAC_READ = (
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "Directory.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.ReadWrite.All",
)
#: rbacapplication-list-roleeligibilityschedules / -roleeligibilityscheduleinstances.
ELIGIBILITY_READ = (
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
)
#: rbacapplication-list-roleassignmentscheduleinstances (the same for delegated and application).
ASSIGNMENT_SCHEDULE_READ = (
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
)
#: policyroot-list-rolemanagementpolicyassignments (PIM for Microsoft Entra roles).
PIM_POLICY_READ = (
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
)
RBAC = "/roleManagement/directory"


def _items(ctx: RequestContext, key: str) -> list[dict[str, Any]]:
    return list(ctx.state.get(key) or [])


def principal(state: dict[str, Any], principal_id: str) -> dict[str, Any] | None:
    """The user, group or service principal an assignment names, with its ``@odata.type``."""
    for key, kind in (("users", "user"), ("groups", "group"), ("servicePrincipals", "servicePrincipal")):
        found = find(state.get(key) or [], principal_id)
        if found is not None:
            return {"@odata.type": f"#microsoft.graph.{kind}", **found}
    return None


# ----------------------------------------------------------------------------- directoryRoles
def _role(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, _items(ctx, "directoryRoles"), None, "roleTemplateId")


@table.get("/directoryRoles", permissions=DIRECTORY_ROLES, doc=f"{LEARN}/directoryrole-list", returns="directoryRole")
def list_directory_roles(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        _items(ctx, "directoryRoles"),
        "directoryRoles",
        type_name="directoryRole",
        filterable=("id", "displayName", "roleTemplateId"),
    )


@table.get(
    "/directoryRoles/{id}", permissions=DIRECTORY_ROLES, doc=f"{LEARN}/directoryrole-get", returns="directoryRole"
)
def get_directory_role(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_role(ctx), "directoryRoles/$entity")


@table.get(
    "/directoryRoles/{id}/members",
    permissions=DIRECTORY_ROLES,
    doc=f"{LEARN}/directoryrole-list-members",
    returns="directoryObject",
)
def list_directory_role_members(ctx: RequestContext) -> dict[str, Any]:
    role = _role(ctx)
    template = str(role.get("roleTemplateId", "")).lower()
    members = []
    for assignment in _items(ctx, "roleAssignments"):
        if (
            str(assignment.get("roleDefinitionId", "")).lower() == template
            and assignment.get("directoryScopeId") == "/"
        ):
            found = principal(ctx.state, str(assignment.get("principalId", "")))
            if found is not None and found not in members:
                members.append(found)
    return ctx.collection(members, "directoryObjects", type_name="directoryObject")


# ----------------------------------------------------------------------------- role definitions and assignments
entity_set(
    table,
    f"{RBAC}/roleDefinitions",
    key="roleDefinitions",
    returns="unifiedRoleDefinition",
    permissions=RBAC_READ,
    pages=(f"{LEARN}/rbacapplication-list-roledefinitions", f"{LEARN}/unifiedroledefinition-get"),
    filterable=("id", "displayName", "isBuiltIn", "templateId"),
)


ASSIGNMENT_FILTERS = ("id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId")


def _expanded(ctx: RequestContext, rows: list[dict[str, Any]], source: list[dict[str, Any]]) -> None:
    """``$expand=principal`` / ``roleDefinition``: attach the related object, as the list page's example does."""
    wanted = {e.strip() for e in ctx.query.get("$expand", "").split(",") if e.strip()}
    unknown = wanted - {"principal", "roleDefinition"}
    if unknown:
        owner = ctx.graph_type.name if ctx.graph_type is not None else "microsoft.graph.unifiedRoleAssignment"
        raise GraphError(
            400, "Request_BadRequest", f"Could not find a property named '{sorted(unknown)[0]}' on type '{owner}'."
        )
    by_id = {str(item.get("id")): item for item in source}
    for row in rows:
        item = by_id.get(str(row.get("id")), row)
        if "principal" in wanted:
            row["principal"] = principal(ctx.state, str(item.get("principalId", "")))
        if "roleDefinition" in wanted:
            row["roleDefinition"] = find(_items(ctx, "roleDefinitions"), str(item.get("roleDefinitionId", "")))


def _expanded_page(
    ctx: RequestContext, items: list[dict[str, Any]], fragment: str, type_name: str, filterable: tuple[str, ...]
) -> dict[str, Any]:
    """A page of assignments (or their instances) as the list pages serve it, ``$expand`` applied to its rows."""
    body = ctx.collection(items, fragment, type_name=type_name, filterable=filterable)
    _expanded(ctx, body["value"], items)
    return body


def _expanded_one(ctx: RequestContext, items: list[dict[str, Any]], fragment: str) -> dict[str, Any]:
    """The assignment (or instance) the route's ``{id}`` names, ``$expand`` applied; Graph's 404 when none."""
    item = lookup(ctx, items)
    body = ctx.entity(item, f"{fragment}/$entity")
    _expanded(ctx, [body], [item])
    return body


@table.get(
    f"{RBAC}/roleAssignments",
    permissions=RBAC_READ,
    doc=f"{LEARN}/rbacapplication-list-roleassignments",
    returns="unifiedRoleAssignment",
)
def list_role_assignments(ctx: RequestContext) -> dict[str, Any]:
    return _expanded_page(
        ctx,
        _items(ctx, "roleAssignments"),
        "roleManagement/directory/roleAssignments",
        "unifiedRoleAssignment",
        ASSIGNMENT_FILTERS,
    )


@table.get(
    f"{RBAC}/roleAssignments/{{id}}",
    permissions=RBAC_READ,
    doc=f"{LEARN}/unifiedroleassignment-get",
    returns="unifiedRoleAssignment",
)
def get_role_assignment(ctx: RequestContext) -> dict[str, Any]:
    return _expanded_one(ctx, _items(ctx, "roleAssignments"), "roleManagement/directory/roleAssignments")


# ----------------------------------------------------------------------------- PIM eligibility
SCHEDULE_FILTERS = ("id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "status", "memberType")


entity_set(
    table,
    f"{RBAC}/roleEligibilitySchedules",
    key="roleEligibilitySchedules",
    returns="unifiedRoleEligibilitySchedule",
    permissions=ELIGIBILITY_READ,
    pages=(
        f"{LEARN}/rbacapplication-list-roleeligibilityschedules",
        f"{LEARN}/unifiedroleeligibilityschedule-get",
    ),
    filterable=SCHEDULE_FILTERS,
    guard=require_p2,
)


def instances(state: dict[str, Any]) -> list[dict[str, Any]]:
    """One current instance per provisioned schedule (what PIM shows as "eligible now")."""
    found = []
    for schedule in state.get("roleEligibilitySchedules") or []:
        if schedule.get("status") != "Provisioned":
            continue
        info = schedule.get("scheduleInfo") or {}
        found.append(
            {
                "id": f"{schedule['id']}-instance",
                "principalId": schedule.get("principalId"),
                "roleDefinitionId": schedule.get("roleDefinitionId"),
                "directoryScopeId": schedule.get("directoryScopeId"),
                "appScopeId": schedule.get("appScopeId"),
                "startDateTime": info.get("startDateTime"),
                "endDateTime": (info.get("expiration") or {}).get("endDateTime"),
                "memberType": schedule.get("memberType"),
                "roleEligibilityScheduleId": schedule.get("id"),
            }
        )
    return found


@table.get(
    f"{RBAC}/roleEligibilityScheduleInstances",
    permissions=ELIGIBILITY_READ,
    doc=f"{LEARN}/rbacapplication-list-roleeligibilityscheduleinstances",
    returns="unifiedRoleEligibilityScheduleInstance",
)
def list_eligibility_instances(ctx: RequestContext) -> dict[str, Any]:
    require_p2(ctx.state)
    return ctx.collection(
        instances(ctx.state),
        "roleManagement/directory/roleEligibilityScheduleInstances",
        type_name="unifiedRoleEligibilityScheduleInstance",
        filterable=("id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "memberType"),
    )


# ----------------------------------------------------------------------------- PIM active assignments
def assignment_instances(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The active role assignment instances, derived from ``roleAssignments``.

    The simulator stores no assignment schedules, so every assignment is a permanent one made
    directly through the role assignments API: ``assignmentType`` "Assigned", ``memberType``
    "Direct", no ``endDateTime`` (permanent), and the assignment's id as the instance's id, its
    origin and its schedule id (assumption: what Graph shows for a direct permanent assignment).
    ``startDateTime`` is the assignment's ``createdDateTime`` when the state holds one.
    """
    found = []
    for assignment in state.get("roleAssignments") or []:
        assignment_id = assignment.get("id")
        found.append(
            {
                "id": assignment_id,
                "principalId": assignment.get("principalId"),
                "roleDefinitionId": assignment.get("roleDefinitionId"),
                "directoryScopeId": assignment.get("directoryScopeId"),
                "appScopeId": assignment.get("appScopeId"),
                "assignmentType": "Assigned",
                "memberType": "Direct",
                "startDateTime": assignment.get("createdDateTime"),
                "endDateTime": None,
                "roleAssignmentOriginId": assignment_id,
                "roleAssignmentScheduleId": assignment_id,
            }
        )
    return found


@table.get(
    f"{RBAC}/roleAssignmentScheduleInstances",
    permissions=ASSIGNMENT_SCHEDULE_READ,
    doc=f"{LEARN}/rbacapplication-list-roleassignmentscheduleinstances",
    returns="unifiedRoleAssignmentScheduleInstance",
)
def list_assignment_instances(ctx: RequestContext) -> dict[str, Any]:
    require_p2(ctx.state)
    return _expanded_page(
        ctx,
        assignment_instances(ctx.state),
        "roleManagement/directory/roleAssignmentScheduleInstances",
        "unifiedRoleAssignmentScheduleInstance",
        ("id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"),
    )


@table.get(
    f"{RBAC}/roleAssignmentScheduleInstances/{{id}}",
    permissions=ASSIGNMENT_SCHEDULE_READ,
    doc=f"{LEARN}/unifiedroleassignmentscheduleinstance-get",
    returns="unifiedRoleAssignmentScheduleInstance",
)
def get_assignment_instance(ctx: RequestContext) -> dict[str, Any]:
    require_p2(ctx.state)
    return _expanded_one(
        ctx, assignment_instances(ctx.state), "roleManagement/directory/roleAssignmentScheduleInstances"
    )


# ----------------------------------------------------------------------------- PIM policy assignments
@table.get(
    "/policies/roleManagementPolicyAssignments",
    permissions=PIM_POLICY_READ,
    doc=f"{LEARN}/policyroot-list-rolemanagementpolicyassignments",
    returns="unifiedRoleManagementPolicyAssignment",
)
def list_policy_assignments(ctx: RequestContext) -> dict[str, Any]:
    """The page *requires* ``$filter`` on ``scopeId`` and ``scopeType`` (the wording of the 400 is assumed)."""
    text = ctx.query.get("$filter", "")
    if "scopeid" not in text.lower() or "scopetype" not in text.lower():
        raise GraphError(
            400,
            "BadRequest",
            "The filter query must specify both scopeId and scopeType, for example "
            "$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'.",
        )
    return ctx.collection(
        _items(ctx, "roleManagementPolicyAssignments"),
        "policies/roleManagementPolicyAssignments",
        type_name="unifiedRoleManagementPolicyAssignment",
        filterable=("scopeId", "scopeType", "roleDefinitionId", "policyId", "id"),
    )


@table.get(
    "/policies/roleManagementPolicyAssignments/{id}",
    permissions=PIM_POLICY_READ,
    doc=f"{LEARN}/unifiedrolemanagementpolicyassignment-get",
    returns="unifiedRoleManagementPolicyAssignment",
)
def get_policy_assignment(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(
        lookup(ctx, _items(ctx, "roleManagementPolicyAssignments")),
        "policies/roleManagementPolicyAssignments/$entity",
    )
