"""What code a run used: scorekeeper's version and each loaded plugin's distribution and version.

Recorded on every run (``runs.versions``, migration 0007) so a report read months later says which
code produced its findings, not which code happens to render it. One flat mapping, the shape the
report schema already has: ``"scorekeeper"`` → ``scorekeeper.__version__``, then each loaded
plugin's distribution name → that distribution's version. Plugins loaded from a module without an
installed distribution (tests, ``--plugin``) have none and are left out rather than guessed.
"""

from __future__ import annotations

from scorekeeper.plugin.manager import Plugins


def run_versions(plugins: Plugins) -> dict[str, str]:
    """``{"scorekeeper": version, distribution: version, ...}`` for the plugins loaded now."""
    from scorekeeper import __version__

    versions = {"scorekeeper": __version__}
    for info in plugins.info():
        if info.distribution and info.version:
            versions.setdefault(info.distribution, info.version)
    return versions
