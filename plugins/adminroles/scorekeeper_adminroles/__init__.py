"""scorekeeper plugin for the Secure Score controls about administrator roles.

``OneAdmin`` (more than one Global Administrator), ``ManyAdmins`` (fewer than five) and
``RoleOverlap`` (least-privileged administrative roles), assessed from the tenant's unified role
assignments — active and, where the tenant has Privileged Identity Management, eligible — with
groups assigned to a role counted through their members. Every remediation is a guided step that
names the people and roles: scorekeeper never adds or removes an administrator. It imports only
scorekeeper's public API.
"""
