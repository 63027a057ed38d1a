"""The identifiers Microsoft Graph gives its permissions, for an app registration's manifest.

An app registration names a permission by its GUID, not by its name, so ``scorekeeper permissions
--format manifest`` needs this table. Every id here was read from Microsoft's own permissions
reference, the generated "All permissions and IDs" table that ``concepts/permissions-reference.md``
includes: ``concepts/includes/permissions-ids.md`` in ``microsoftgraph/microsoft-graph-docs-contrib``
at commit ``0fcd5cbe2910cde47ccadfc740b8df07f57244d7`` (the Group*, Organization.*, Policy.*, User.*
rows checked again, unchanged, at commit ``43b498394ec440e548985309e1d8689c9e16adcf``).
Only permissions the controls declare (or their narrower/broader neighbours in ``COVERED_BY``)
are listed; a permission missing here is reported by name, never guessed (docs/configuration.md).
"""

from __future__ import annotations

from typing import Literal

#: ``resourceAppId`` of Microsoft Graph, the well-known application id of its service principal.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

SOURCE = (
    "microsoftgraph/microsoft-graph-docs-contrib concepts/includes/permissions-ids.md "
    "@ 0fcd5cbe2910cde47ccadfc740b8df07f57244d7"
)

Kind = Literal["Application", "Delegated"]

#: (permission name, kind) -> id, as Microsoft's table lists them.
IDS: dict[tuple[str, Kind], str] = {
    ("Application.Read.All", "Application"): "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    ("Application.Read.All", "Delegated"): "c79f8feb-a9db-4090-85f9-90d820caa0eb",
    ("AuditLog.Read.All", "Application"): "b0afded3-3588-46d8-8b3d-9842eff778da",
    ("AuditLog.Read.All", "Delegated"): "e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20",
    ("DeviceManagementConfiguration.Read.All", "Application"): "dc377aa6-52d8-4e23-b271-2a7ae04cedf3",
    ("DeviceManagementConfiguration.Read.All", "Delegated"): "f1493658-876a-4c87-8fa7-edb559b3476a",
    ("DeviceManagementConfiguration.ReadWrite.All", "Application"): "9241abd9-d0e6-425a-bd4f-47ba86e767a4",
    ("DeviceManagementConfiguration.ReadWrite.All", "Delegated"): "0883f392-0a7a-443d-8c76-16a6d39c7b63",
    ("Directory.Read.All", "Application"): "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    ("Directory.Read.All", "Delegated"): "06da0dbc-49e2-44d2-8312-53f166ab848a",
    ("Directory.ReadWrite.All", "Application"): "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
    ("Directory.ReadWrite.All", "Delegated"): "c5366453-9fb0-48a5-a156-24f0c49a4b84",
    ("Domain.Read.All", "Application"): "dbb9058a-0e50-45d7-ae91-66909b5d4664",
    ("Domain.Read.All", "Delegated"): "2f9ee017-59c1-4f1d-9472-bd5529a7b311",
    ("Domain.ReadWrite.All", "Application"): "7e05723c-0bb0-42da-be95-ae9f08a6e53c",
    ("Domain.ReadWrite.All", "Delegated"): "0b5d694c-a244-4bde-86e6-eb5cd07730fe",
    ("Group.Read.All", "Application"): "5b567255-7703-4780-807c-7be8301ae99b",
    ("Group.Read.All", "Delegated"): "5f8c59db-677d-491f-a6b8-5f174b11ec1d",
    ("Group.ReadWrite.All", "Application"): "62a82d76-70ea-41e2-9197-370581804d09",
    ("Group.ReadWrite.All", "Delegated"): "4e46008b-f24c-477d-8fff-7bb4ec7aafe0",
    ("GroupMember.Read.All", "Application"): "98830695-27a2-44f7-8c18-0c3ebc9698f6",
    ("GroupMember.Read.All", "Delegated"): "bc024368-1153-4739-b217-4326f2e966d0",
    ("Organization.Read.All", "Application"): "498476ce-e0fe-48b0-b801-37ba7e2685c6",
    ("Organization.Read.All", "Delegated"): "4908d5b9-3fb2-4b1e-9336-1888b7937185",
    ("Organization.ReadWrite.All", "Application"): "292d869f-3427-49a8-9dab-8c70152b74e9",
    ("Organization.ReadWrite.All", "Delegated"): "46ca0847-7e6b-426e-9775-ea810a948356",
    ("Policy.Read.All", "Application"): "246dd0d5-5bd0-4def-940b-0421030a5b68",
    ("Policy.Read.All", "Delegated"): "572fea84-0151-49b2-9301-11cb16974376",
    ("Policy.Read.ConditionalAccess", "Application"): "37730810-e9ba-4e46-b07e-8ca78d182097",
    ("Policy.Read.ConditionalAccess", "Delegated"): "633e0fce-8c58-4cfb-9495-12bbd5a24f7c",
    ("Policy.Read.PermissionGrant", "Application"): "9e640839-a198-48fb-8b9a-013fd6f6cbcd",
    ("Policy.Read.PermissionGrant", "Delegated"): "414de6ea-2d92-462f-b120-6e2a809a6d01",
    ("Policy.ReadWrite.AuthenticationMethod", "Application"): "29c18626-4985-4dcd-85c0-193eef327366",
    ("Policy.ReadWrite.AuthenticationMethod", "Delegated"): "7e823077-d88e-468f-a337-e18f1f0e6c7c",
    ("Policy.ReadWrite.Authorization", "Application"): "fb221be6-99f2-473f-bd32-01c6a0e9ca3b",
    ("Policy.ReadWrite.Authorization", "Delegated"): "edd3c878-b384-41fd-95ad-e7407dd775be",
    ("Policy.ReadWrite.ConditionalAccess", "Application"): "01c0a623-fc9b-48e9-b794-0756f8e8f067",
    ("Policy.ReadWrite.ConditionalAccess", "Delegated"): "ad902697-1014-4ef5-81ef-2b4301988e8c",
    ("Policy.ReadWrite.ConsentRequest", "Application"): "999f8c63-0a38-4f1b-91fd-ed1947bdd1a9",
    ("Policy.ReadWrite.ConsentRequest", "Delegated"): "4d135e65-66b8-41a8-9f8b-081452c91774",
    # Not in the table at the commit above: "Read all directory RBAC settings", the application id as the
    # permission's reference entry gives it (and every public grant script checked uses the same id).
    ("RoleManagement.Read.Directory", "Application"): "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
    ("SecurityEvents.Read.All", "Application"): "bf394140-e372-4bf9-a898-299cfc7564e5",
    ("SecurityEvents.Read.All", "Delegated"): "64733abd-851e-478a-bffb-e47a14b18235",
    ("SecurityEvents.ReadWrite.All", "Application"): "d903a879-88e0-4c09-b0c9-82f6a1333f84",
    ("SecurityEvents.ReadWrite.All", "Delegated"): "6aedf524-7e1c-45a7-bd76-ded8cab8d0fc",
    ("User.Read", "Delegated"): "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
    ("User.Read.All", "Application"): "df021288-bdef-4463-88db-98f22de89214",
    ("User.Read.All", "Delegated"): "a154be20-db9c-4678-8ab7-66f6cc099a59",
    ("User.ReadBasic.All", "Delegated"): "b340eb25-3456-403f-be2f-af7a0d370277",
    ("User.ReadWrite.All", "Application"): "741f803b-c850-494e-b5df-cde7c675a1ca",
    ("User.ReadWrite.All", "Delegated"): "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4",
}
