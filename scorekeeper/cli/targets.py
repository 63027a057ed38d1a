"""``--tenant NAME`` / ``--group NAME`` / ``--all-tenants``: one set of options for every command.

The options only parse; :meth:`scorekeeper.config.model.Config.select_tenants` decides which tenants
they name (and refuses unknown names in one line), so every command agrees on what
``--group`` means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def tenant_options(
    *, all_flag: bool = True, tenant_help: str = "Tenant from the config (repeatable)."
) -> Callable[[F], F]:
    """Add ``--tenant`` and ``--group`` (both repeatable) and, unless ``all_flag`` is false, ``--all-tenants``.

    The command receives ``tenant_names``, ``group_names`` and (with ``all_flag``) ``all_tenants``.
    """

    def decorate(command: F) -> F:
        if all_flag:
            command = click.option("--all-tenants", is_flag=True, help="Every configured tenant.")(command)
        command = click.option(
            "--group",
            "group_names",
            multiple=True,
            metavar="NAME",
            help="Every tenant of [groups.NAME] (repeatable).",
        )(command)
        return click.option("--tenant", "tenant_names", multiple=True, metavar="NAME", help=tenant_help)(command)

    return decorate
