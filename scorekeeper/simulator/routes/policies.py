"""The Authentication methods policy (and its method configurations) and the authorization policy."""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, merge

table = RouteTable(Area.POLICY)
LEARN = "https://learn.microsoft.com/graph/api"

METHODS_READ = ("Policy.Read.AuthenticationMethod", "Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod")
METHODS_WRITE = ("Policy.ReadWrite.AuthenticationMethod",)
AUTHZ_READ = ("Policy.Read.All", "Policy.ReadWrite.Authorization")
AUTHZ_WRITE = ("Policy.ReadWrite.Authorization",)

POLICY = "/policies/authenticationMethodsPolicy"
#: Properties a PATCH may set, per the update pages (v1.0 documents registrationEnforcement;
#: beta also policyMigrationState, which is how the portal's "Manage migration" is scripted).
WRITABLE = {
    "v1.0": {"registrationEnforcement", "reconfirmationInDays"},
    "beta": {"registrationEnforcement", "reconfirmationInDays", "policyMigrationState"},
}
#: Beta-only, absent from the published metadata: the temporary passkey-migration opt-out that
#: concept-sms-voice-retirement documents as ``PATCH /beta/policies/authenticationmethodspolicy``.
BETA_ONLY = ("optOutSettings",)
#: how-to-mfa-registration-campaign (2026-05): "microsoftAuthenticator" or "fido2".
CAMPAIGN_METHODS = (None, "microsoftAuthenticator", "fido2")
MIGRATION_STATES = ("preMigration", "migrationInProgress", "migrationComplete")


@table.get(POLICY, permissions=METHODS_READ, doc=f"{LEARN}/authenticationmethodspolicy-get")
def get_methods_policy(ctx: RequestContext) -> dict[str, Any]:
    policy = ctx.state["authenticationMethodsPolicy"]
    if ctx.version != "beta":
        policy = {k: v for k, v in policy.items() if k not in BETA_ONLY}
    return ctx.entity(policy, "policies/authenticationMethodsPolicy/$entity")


@table.patch(POLICY, permissions=METHODS_WRITE, doc=f"{LEARN}/authenticationmethodspolicy-update")
def patch_methods_policy(ctx: RequestContext) -> Reply:
    raw = ctx.json_body()
    opt_out = raw.get("optOutSettings") if ctx.version == "beta" else None
    if opt_out is not None:
        if not isinstance(opt_out, dict) or not isinstance(opt_out.get("passkeyDynamicMigration"), bool):
            raise ctx.bad_request("optOutSettings.passkeyDynamicMigration must be true or false.")
        ctx.state["authenticationMethodsPolicy"]["optOutSettings"] = {
            "passkeyDynamicMigration": opt_out["passkeyDynamicMigration"]
        }
        if set(raw) == {"optOutSettings"}:
            ctx.state["authenticationMethodsPolicy"]["lastModifiedDateTime"] = ctx.now()
            return ctx.no_content()
    rest = {k: v for k, v in raw.items() if k != "optOutSettings"} if ctx.version == "beta" else raw
    body = ctx.validate("authenticationMethodsPolicy", rest, writable=WRITABLE[ctx.version])
    state = body.get("policyMigrationState")
    if state is not None and state not in MIGRATION_STATES:
        raise ctx.bad_request(f"Invalid value '{state}' for property 'policyMigrationState'.")
    campaign = (body.get("registrationEnforcement") or {}).get("authenticationMethodsRegistrationCampaign")
    if isinstance(campaign, dict):
        snooze = campaign.get("snoozeDurationInDays")
        if snooze is not None and not 0 <= snooze <= 14:
            raise ctx.bad_request("snoozeDurationInDays must be between 0 and 14.")
        for target in campaign.get("includeTargets") or []:
            if target.get("targetedAuthenticationMethod") not in CAMPAIGN_METHODS:
                raise ctx.bad_request("targetedAuthenticationMethod must be 'microsoftAuthenticator' or 'fido2'.")
    policy = ctx.state["authenticationMethodsPolicy"]
    merge(policy, body)
    policy["lastModifiedDateTime"] = ctx.now()
    return ctx.no_content()


def _config(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state["authenticationMethodsPolicy"]["authenticationMethodConfigurations"])


CONFIGS = f"{POLICY}/authenticationMethodConfigurations"


@table.get(CONFIGS, permissions=METHODS_READ, doc=f"{LEARN}/authenticationmethodspolicy-get")
def list_configs(ctx: RequestContext) -> dict[str, Any]:
    configs = ctx.state["authenticationMethodsPolicy"]["authenticationMethodConfigurations"]
    return ctx.collection(configs, "policies/authenticationMethodsPolicy/authenticationMethodConfigurations", top=False)


@table.get(f"{CONFIGS}/{{id}}", permissions=METHODS_READ, doc=f"{LEARN}/authenticationmethodconfiguration-get")
def get_config(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_config(ctx), "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity")


@table.patch(f"{CONFIGS}/{{id}}", permissions=METHODS_WRITE, doc=f"{LEARN}/authenticationmethodconfiguration-update")
def patch_config(ctx: RequestContext) -> Reply:
    config = _config(ctx)
    body = dict(ctx.json_body())
    kind = config["@odata.type"]
    if body.get("@odata.type", kind) != kind:
        raise ctx.bad_request(
            f"The @odata.type '{body['@odata.type']}' does not match the configuration '{config['id']}' ({kind})."
        )
    body["@odata.type"] = kind  # validate against the configuration's own derived type
    ctx.validate(kind.removeprefix("#microsoft.graph."), body)
    body.pop("@odata.type")
    merge(config, body)
    ctx.state["authenticationMethodsPolicy"]["lastModifiedDateTime"] = ctx.now()
    return ctx.no_content()


# ----------------------------------------------------------------------------- authorization policy
AUTHZ = "/policies/authorizationPolicy"


@table.get(AUTHZ, permissions=AUTHZ_READ, area=Area.DIRECTORY, doc=f"{LEARN}/authorizationpolicy-get")
def get_authorization_policy(ctx: RequestContext) -> dict[str, Any]:
    """v1.0 answers with the object; beta still answers with a one-item collection."""
    policy = ctx.state["authorizationPolicy"]
    if ctx.version == "beta":
        return ctx.collection([copy.deepcopy(policy)], "policies/authorizationPolicy", top=False)
    return ctx.entity(policy, "policies/authorizationPolicy/$entity")


@table.patch(AUTHZ, permissions=AUTHZ_WRITE, area=Area.DIRECTORY, doc=f"{LEARN}/authorizationpolicy-update")
def patch_authorization_policy(ctx: RequestContext) -> Reply:
    body = ctx.validate("authorizationPolicy")
    merge(ctx.state["authorizationPolicy"], body)
    return ctx.no_content()
