"""Intune compliance policies and managed devices (Microsoft Graph v1.0/beta), read-only.

Kept apart from ``routes/intune.py`` (device configurations). A state without the keys reads as
no policies and no devices.
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routing import RequestContext, RouteTable, find

table = RouteTable(Area.INTUNE)
LEARN = "https://learn.microsoft.com/graph/api"
#: intune-deviceconfig-devicecompliancepolicy-list / -get.
COMPLIANCE_READ = ("DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
#: intune-devices-manageddevice-list / -get.
DEVICES_READ = ("DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All")


def _one(ctx: RequestContext, key: str) -> dict[str, Any]:
    found = find(ctx.state.get(key) or [], ctx.params["id"])
    if found is None:
        raise ctx.not_found(ctx.params["id"])
    return found


@table.get(
    "/deviceManagement/deviceCompliancePolicies",
    permissions=COMPLIANCE_READ,
    doc=f"{LEARN}/intune-deviceconfig-devicecompliancepolicy-list",
    returns="deviceCompliancePolicy",
)
def list_compliance_policies(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        list(ctx.state.get("deviceCompliancePolicies") or []),
        "deviceManagement/deviceCompliancePolicies",
        type_name="deviceCompliancePolicy",
        filterable=("id", "displayName"),
    )


@table.get(
    "/deviceManagement/deviceCompliancePolicies/{id}",
    permissions=COMPLIANCE_READ,
    doc=f"{LEARN}/intune-deviceconfig-devicecompliancepolicy-get",
    returns="deviceCompliancePolicy",
)
def get_compliance_policy(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_one(ctx, "deviceCompliancePolicies"), "deviceManagement/deviceCompliancePolicies/$entity")


DEVICE_FILTERS = (
    "id",
    "userId",
    "deviceName",
    "operatingSystem",
    "complianceState",
    "managedDeviceOwnerType",
    "userPrincipalName",
)


@table.get(
    "/deviceManagement/managedDevices",
    permissions=DEVICES_READ,
    doc=f"{LEARN}/intune-devices-manageddevice-list",
    returns="managedDevice",
)
def list_managed_devices(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        list(ctx.state.get("managedDevices") or []),
        "deviceManagement/managedDevices",
        type_name="managedDevice",
        filterable=DEVICE_FILTERS,
    )


@table.get(
    "/deviceManagement/managedDevices/{id}",
    permissions=DEVICES_READ,
    doc=f"{LEARN}/intune-devices-manageddevice-get",
    returns="managedDevice",
)
def get_managed_device(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_one(ctx, "managedDevices"), "deviceManagement/managedDevices/$entity")
