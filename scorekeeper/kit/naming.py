"""From the NAME a plugin author types to every name the generated project uses.

One NAME gives the distribution (``scorekeeper-m365-NAME``, what ``pip install`` takes), the import
package (``scorekeeper_NAME``), the entry point names and the default Secure Score control id.
Validation happens here, before anything is written, so a bad name never leaves half a project.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from scorekeeper.errors import (
    NamingError,  # defined in the one error tree
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

#: Lower-case words joined by single hyphens, starting with a letter: valid on PyPI and as a module.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
#: Secure Score control ids are identifiers such as ``SelfServicePasswordReset`` or ``PWAgePolicyNew``.
CONTROL_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_NAME = 40
MAX_CONTROL = 100
#: scorekeeper's own distribution on PyPI. The import package is ``scorekeeper``, but PyPI's
#: ``scorekeeper`` is an unrelated project: a plugin that depended on that name would install it.
CORE_DIST = "scorekeeper-m365"
#: Plugin distributions share the core's prefix, so they sort and search together on the index.
DIST_PREFIX = CORE_DIST + "-"




@dataclass(frozen=True)
class PluginNames:
    """Every name of one generated plugin project."""

    name: str  # what the author typed: ``kit-demo``
    dist: str  # ``scorekeeper-m365-kit-demo``
    package: str  # ``scorekeeper_kit_demo``
    control_id: str  # ``KitDemo`` unless --control was given
    camel: str  # ``kitDemo``: the simulator path segment and the extension's state key

    @property
    def entry_point(self) -> str:
        """The entry point name in both groups; ``scorekeeper plugins`` lists the plugin under it."""
        return self.name

    @property
    def endpoint(self) -> str:
        """The skeleton's simulated Graph path (only the plugin's own simulator extension serves it)."""
        return f"/{self.camel}Policy"


def check_name(name: str) -> str:
    """Return ``name`` if it can be a plugin NAME, else raise :class:`NamingError` with a suggestion."""
    if not name:
        raise NamingError("NAME is empty: give a short lower-case name such as 'mfa-admins'")
    for prefix in (DIST_PREFIX, "scorekeeper-"):  # the full prefix, or the old one out of habit
        if name.lower().startswith(prefix):
            rest = name[len(prefix) :]
            suggestion = rest or "mfa-admins"
            raise NamingError(f"give NAME without the {prefix!r} prefix ({DIST_PREFIX!r} is added): {suggestion}")
    if len(name) > MAX_NAME:
        raise NamingError(f"NAME {name!r} is longer than {MAX_NAME} characters")
    if not NAME_PATTERN.match(name):
        suggestion = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        hint = f"; try {suggestion!r}" if suggestion and NAME_PATTERN.match(suggestion) else ""
        raise NamingError(
            f"NAME {name!r} must be lower-case letters and digits in words joined by single hyphens, "
            f"starting with a letter{hint}"
        )
    package = "scorekeeper_" + name.replace("-", "_")
    if keyword.iskeyword(package) or not package.isidentifier():  # pragma: no cover - excluded by the pattern
        raise NamingError(f"NAME {name!r} does not give a valid Python package name")
    return name


def check_control_id(control_id: str) -> str:
    """Return ``control_id`` if it can be a Secure Score control id, else raise :class:`NamingError`."""
    if not control_id:
        raise NamingError("--control is empty: give the Secure Score control id, e.g. 'AdminMFAV2'")
    if len(control_id) > MAX_CONTROL:
        raise NamingError(f"--control {control_id!r} is longer than {MAX_CONTROL} characters")
    if not CONTROL_PATTERN.match(control_id):
        raise NamingError(
            f"--control {control_id!r} must be letters, digits and underscores starting with a letter, "
            "as Secure Score control ids are (e.g. 'SelfServicePasswordReset')"
        )
    return control_id


def control_id_for(name: str) -> str:
    """The default control id: NAME's words capitalised (``kit-demo`` → ``KitDemo``)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def names_for(name: str, control_id: str | None = None) -> PluginNames:
    """Validate NAME (and ``--control``) and derive every other name from them."""
    check_name(name)
    chosen = check_control_id(control_id) if control_id is not None else control_id_for(name)
    words = name.split("-")
    camel = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return PluginNames(
        name=name,
        dist=DIST_PREFIX + name,
        package="scorekeeper_" + name.replace("-", "_"),
        control_id=chosen,
        camel=camel,
    )
