"""scorekeeper plugin for the Secure Score controls that Conditional Access carries.

``AdminMFAV2``, ``MFARegistrationV2``, ``BlockLegacyAuthentication``, ``SigninRiskPolicy`` and
``UserRiskPolicy``, each one of Microsoft's Conditional Access templates judged, created
report-only, promoted and rolled back by :mod:`scorekeeper.conditional_access`.
"""
