"""The plugin author kit: ``scorekeeper plugin new`` scaffolding, fixture tenants and the hook reference.

Nothing here is imported by ``scorekeeper`` itself at run time; the CLI loads :mod:`scorekeeper.cli.plugin`
only when ``scorekeeper plugin ...`` runs, and :mod:`scorekeeper.testing` loads
:mod:`scorekeeper.kit.fixtures` only when a test asks for a tenant built from its own data.
"""
