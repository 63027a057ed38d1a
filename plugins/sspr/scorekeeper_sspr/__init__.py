"""scorekeeper plugin for the Secure Score control ``SelfServicePasswordReset``.

The hooks live in :mod:`scorekeeper_sspr.plugin` (the entry point); the control object in
:mod:`scorekeeper_sspr.control`; the catalogue of settings in :mod:`scorekeeper_sspr.settings`; the
config model in :mod:`scorekeeper_sspr.config`; one function per setting's finding in
:mod:`scorekeeper_sspr.rows` (listed in :data:`scorekeeper_sspr.rows.table.ROWS`).
"""

__version__ = "0.1.0"
