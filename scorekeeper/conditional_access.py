"""Conditional Access for every plugin: Microsoft's templates, recognition, staging, impact, writes.

A control that Microsoft measures through a Conditional Access policy (MFA for administrators,
blocking legacy authentication, the risk policies…) needs the same things every time, so they
are written once here and every plugin imports them:

- :class:`Template` — one of Microsoft's templates as data (users or roles, client apps, risk
  levels, grant, licence). :meth:`Template.body` is the policy it creates.
- :func:`satisfies` / :func:`shortfall` / :func:`best_match` — whether an existing policy, however it
  is named and scoped, already does what the template does: all users or the right roles (only the
  roles someone holds count), all resources, the client apps, the risk levels, grant ``mfa`` or an
  authentication strength (``block`` for a block template), no narrowing condition; exclusions are
  allowed. Enabled beats report-only beats disabled.
- :func:`read_ca` — one ``$batch`` with the policies, security defaults, named locations,
  subscriptions, the last 30 days of sign-ins (with ``Prefer: include-unknown-enum-members`` so the
  report-only results arrive), the users who are not MFA-capable, role assignments and the
  break-glass accounts; the URLs are the same for every control, so the engine reads each once.
- :func:`judge` — the verdict: licence (P1; P2 for risk templates) → ``not_applicable`` with the
  reason; security defaults on → Conditional Access cannot be used beside them (pass where they
  already do the same, guided otherwise); no policy or a disabled one → fail, remediated to
  **report-only** (``Stage(("report-only", "enabled"))``); report-only → ``staged``, promoted to
  ``enabled`` only when break-glass accounts are configured and the sign-in logs' report-only
  results show nobody would be blocked (``reportOnlyFailure``), with the impact naming who would
  be blocked or asked to register MFA; enabled → pass unless a break-glass account is not excluded.
- :func:`write_policy` — create the template (marked, for rollback) or PATCH ``state`` and
  ``excludeUsers`` with before-values read just now; refuses ``enabled`` without break-glass accounts.
- :class:`PolicyController`, :class:`PolicyConfig`, :func:`policy_setting` — a ready-made controller
  and setting for a control that is one template (see plugins/conditionalaccess).

This is the public face; the implementation lives in ``scorekeeper.plugin.ca_*`` (internal).
"""

from scorekeeper.plugin.ca_controller import PolicyConfig, PolicyController, policy_setting
from scorekeeper.plugin.ca_judge import (
    P1,
    P2,
    READ_AUDIT,
    READ_DIRECTORY,
    READ_LICENCES,
    READ_POLICIES,
    READ_ROLES,
    READ_USERS,
    WRITE_POLICIES,
    Evidence,
    Verdict,
    held_roles,
    judge,
    licences,
    promotion,
    security_defaults_on,
)
from scorekeeper.plugin.ca_policy import (
    DISABLED,
    ENABLED,
    GUEST_TYPES,
    LEGACY_CLIENTS,
    REPORT_ONLY,
    STAGES,
    Template,
    best_match,
    excluded_users,
    satisfies,
    shortfall,
    summary,
)
from scorekeeper.plugin.ca_reads import POLICIES, SIGN_IN_DAYS, CaReads, read_ca, read_policies, resolve_accounts
from scorekeeper.plugin.ca_write import no_break_glass, write_policy

__all__ = [
    "DISABLED",
    "ENABLED",
    "GUEST_TYPES",
    "LEGACY_CLIENTS",
    "P1",
    "P2",
    "POLICIES",
    "READ_AUDIT",
    "READ_DIRECTORY",
    "READ_LICENCES",
    "READ_POLICIES",
    "READ_ROLES",
    "READ_USERS",
    "REPORT_ONLY",
    "SIGN_IN_DAYS",
    "STAGES",
    "WRITE_POLICIES",
    "CaReads",
    "Evidence",
    "PolicyConfig",
    "PolicyController",
    "Template",
    "Verdict",
    "best_match",
    "excluded_users",
    "held_roles",
    "judge",
    "licences",
    "no_break_glass",
    "policy_setting",
    "promotion",
    "read_ca",
    "read_policies",
    "resolve_accounts",
    "satisfies",
    "security_defaults_on",
    "shortfall",
    "summary",
    "write_policy",
]
