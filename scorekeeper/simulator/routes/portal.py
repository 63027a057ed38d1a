"""The Azure portal's SSPR API (``main.iam.ad.ext.azure.com/api/PasswordReset/...``).

Undocumented by Microsoft: field names come from public scripts (see /work/shared/sspr-settings.md).
``PasswordResetPolicies`` is replaced whole by ``PUT``; ``OnPremisesPasswordResetPolicies``
takes the one-flag bodies the portal's scripts send. Rules the portal enforces are modelled on
what its blade allows; each is listed as an assumption in docs/simulator.md.
"""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area, GraphError
from scorekeeper.simulator.routing import RequestContext, RouteTable

table = RouteTable(Area.PORTAL)
POLICY = "/api/PasswordReset/PasswordResetPolicies"
ONPREM = "/api/PasswordReset/OnPremisesPasswordResetPolicies"
#: The portal accepts only delegated tokens; the signed-in admin's directory role decides.
PORTAL = ("user_impersonation",)
READ_ONLY_FIELDS = ("registrationConditionalAccessPolicies",)
METHOD_FLAGS = (
    ("emailOptionEnabled", "emailOptionAllowed"),
    ("mobilePhoneOptionEnabled", "mobilePhoneOptionAllowed"),
    ("officePhoneOptionEnabled", "officePhoneOptionAllowed"),
    ("securityQuestionsOptionEnabled", "securityQuestionsOptionAllowed"),
    ("mobileAppNotificationEnabled", "mobileAppNotificationOptionAllowed"),
    ("mobileAppCodeEnabled", "mobileAppCodeOptionAllowed"),
)


def invalid(message: str, code: str = "InvalidPasswordResetPolicy") -> GraphError:
    return GraphError(400, code, message)


def _same_kind(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, int):
        return isinstance(new, int)
    return isinstance(new, type(old))


def _check_policy(ctx: RequestContext, current: dict[str, Any], body: Any) -> None:
    if not isinstance(body, dict):
        raise invalid("The request body must be the whole PasswordResetPolicies object.")
    missing = sorted(k for k in current if k not in body and k not in READ_ONLY_FIELDS)
    if missing:
        raise invalid(f"The whole policy must be sent: missing {', '.join(missing)}.")
    unknown = sorted(k for k in body if k not in current)
    if unknown:
        raise invalid(f"Unknown field {unknown[0]}.")
    for key, value in body.items():
        if not _same_kind(current[key], value):
            raise invalid(f"Field {key} has the wrong type.")
    if body["objectId"] != current["objectId"]:
        raise invalid("objectId must be 'default'.")
    if body["enablementType"] not in (0, 1, 2):
        raise invalid("enablementType must be 0 (none), 1 (selected) or 2 (all).")
    if body["enablementType"] == 1:
        ids = body.get("passwordResetEnabledGroupIds") or []
        known = {g["id"].lower() for g in ctx.tenant.state.get("groups", [])}
        if len(ids) != 1 or str(ids[0]).lower() not in known:
            raise invalid("Selected enablement needs exactly one existing group in passwordResetEnabledGroupIds.")
    required = body["numberOfAuthenticationMethodsRequired"]
    if required not in (1, 2):
        raise invalid("numberOfAuthenticationMethodsRequired must be 1 or 2.")
    offered = sum(bool(body[e]) and bool(body[a]) for e, a in METHOD_FLAGS)
    if body["enablementType"] != 0 and offered < required:
        raise invalid(f"{required} methods are required but only {offered} are available.")
    if body["securityQuestionsOptionEnabled"]:
        register, reset = body["numberOfQuestionsToRegister"], body["numberOfQuestionsToReset"]
        if not (3 <= register <= 5 and 3 <= reset <= 5 and reset <= register):
            raise invalid("Security questions: 3–5 to register, 3–5 to reset, no more to reset than to register.")
        if len(body.get("securityQuestions") or []) < register:  # assumed: the portal makes you pick them
            raise invalid(f"Security questions: {register} must be registered but fewer are defined.")
    if not 0 <= body["registrationReconfirmIntevalInDays"] <= 730:
        raise invalid("registrationReconfirmIntevalInDays must be between 0 and 730.")
    if body["customizeHelpdeskLink"] and not body.get("customHelpdeskEmailOrUrl"):
        raise invalid("A custom helpdesk link needs customHelpdeskEmailOrUrl.")


@table.get(POLICY, permissions=PORTAL, api="portal")
def get_policy(ctx: RequestContext) -> dict[str, Any]:
    return copy.deepcopy(ctx.state["portal"]["passwordResetPolicies"])


@table.put(POLICY, permissions=PORTAL, api="portal")
def put_policy(ctx: RequestContext) -> dict[str, Any]:
    current = ctx.state["portal"]["passwordResetPolicies"]
    _check_policy(ctx, current, ctx.body)
    for key, value in ctx.body.items():
        if key not in READ_ONLY_FIELDS:
            current[key] = copy.deepcopy(value)
    return copy.deepcopy(current)


@table.get(ONPREM, permissions=PORTAL, api="portal")
def get_onprem(ctx: RequestContext) -> dict[str, Any]:
    return copy.deepcopy(ctx.state["portal"]["onPremisesPasswordResetPolicies"])


#: Body field → stored field. Scripts send "passwordWriteBackSupported" (capital B); reads say "Writeback".
ONPREM_WRITABLE = {
    "passwordWriteBackSupported": "passwordWritebackSupported",
    "passwordWritebackSupported": "passwordWritebackSupported",
    "accountUnlockEnabled": "accountUnlockEnabled",
}


@table.put(ONPREM, permissions=PORTAL, api="portal")
def put_onprem(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.body
    current = ctx.state["portal"]["onPremisesPasswordResetPolicies"]
    if not isinstance(body, dict) or not body:
        raise invalid("The request body must be a JSON object.")
    changes: dict[str, bool] = {}
    for key, value in body.items():
        if key in ("objectId",) or (key in current and key not in ONPREM_WRITABLE.values() and current[key] == value):
            continue  # read back unchanged: a whole object may be sent too
        if key not in ONPREM_WRITABLE:
            raise invalid(f"Field {key} cannot be written.")
        if not isinstance(value, bool):
            raise invalid(f"Field {key} must be true or false.")
        changes[ONPREM_WRITABLE[key]] = value
    synced = bool(ctx.tenant.state["organization"].get("onPremisesSyncEnabled"))
    if any(changes.values()) and not synced:
        raise invalid(
            "Password writeback and account unlock need directory synchronisation (Microsoft Entra Connect).",
            "OnPremisesNotConfigured",
        )
    writeback = changes.get("passwordWritebackSupported", current["passwordWritebackSupported"])
    if changes.get("accountUnlockEnabled") and not writeback:
        raise invalid("Account unlock needs password writeback.")
    current.update(changes)
    if not current["passwordWritebackSupported"]:
        current["accountUnlockEnabled"] = False
    return copy.deepcopy(current)
