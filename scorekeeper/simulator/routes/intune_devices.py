"""Intune compliance policies and managed devices (Microsoft Graph v1.0/beta), read-only.

Kept apart from ``routes/intune.py`` (device configurations). A state without the keys reads as
no policies and no devices. Like every Intune route, both refuse a tenant without an Intune
licence (:func:`scorekeeper.simulator.licensing.require_intune`): "The Microsoft Graph API for
Intune requires an active Intune license for the tenant" (the note on each page, e.g.
https://learn.microsoft.com/graph/api/intune-devices-manageddevice-list).
"""

from __future__ import annotations

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_intune
from scorekeeper.simulator.routes.entityset import entity_set
from scorekeeper.simulator.routing import RouteTable

table = RouteTable(Area.INTUNE)
LEARN = "https://learn.microsoft.com/graph/api"
#: intune-deviceconfig-devicecompliancepolicy-list / -get.
COMPLIANCE_READ = ("DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
#: intune-devices-manageddevice-list / -get.
DEVICES_READ = ("DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All")


entity_set(
    table,
    "/deviceManagement/deviceCompliancePolicies",
    key="deviceCompliancePolicies",
    returns="deviceCompliancePolicy",
    permissions=COMPLIANCE_READ,
    pages=(
        f"{LEARN}/intune-deviceconfig-devicecompliancepolicy-list",
        f"{LEARN}/intune-deviceconfig-devicecompliancepolicy-get",
    ),
    filterable=("id", "displayName"),
    guard=require_intune,
)

DEVICE_FILTERS = (
    "id",
    "userId",
    "deviceName",
    "operatingSystem",
    "complianceState",
    "managedDeviceOwnerType",
    "userPrincipalName",
)

entity_set(
    table,
    "/deviceManagement/managedDevices",
    key="managedDevices",
    returns="managedDevice",
    permissions=DEVICES_READ,
    pages=(f"{LEARN}/intune-devices-manageddevice-list", f"{LEARN}/intune-devices-manageddevice-get"),
    filterable=DEVICE_FILTERS,
    guard=require_intune,
)
