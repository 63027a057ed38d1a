"""scorekeeper plugin for the Secure Score control ``SelfServicePasswordReset``.

The hooks live in :mod:`scorekeeper_sspr.plugin` (the entry point); the catalogue of settings
in :mod:`scorekeeper_sspr.settings`; the config model in :mod:`scorekeeper_sspr.config`.
"""

__version__ = "0.1.0"
