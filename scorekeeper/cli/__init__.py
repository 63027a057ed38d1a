"""The command line: a thin front end over the engine (internal).

``main`` is the root group and registers every command family: ``inventory``, ``operations``,
``history`` and ``onboarding`` through their ``register_commands(cli)``, the heavy ones by name
(so ``--help`` imports none of them). ``common`` is what every command needs; families import it,
never ``main``. Heavy modules (msgraph, textual, the plugins) are imported inside commands.
Nothing outside this package imports it (an import-linter contract in pyproject.toml).
"""
