"""``scorekeeper plugin ...``: tools for plugin authors. Loaded lazily by ``scorekeeper.cli.main.LazyGroup``."""

from __future__ import annotations

from pathlib import Path

import click

from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, emit_json


@click.group()
def plugin() -> None:
    """Tools for plugin authors (scaffold a new control plugin)."""


def _installed_entry_points() -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="scorekeeper")}


@plugin.command("new")
@click.argument("name")
@click.option("--control", "control_id", metavar="ID", help="Secure Score control id (default: NAME in CamelCase).")
@click.option(
    "--dir",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Folder to create (default: ./scorekeeper-m365-NAME); must not exist or be empty.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def new(name: str, control_id: str | None, target: Path | None, as_json: bool) -> None:
    """Create a new plugin project NAME: distribution scorekeeper-m365-NAME, package scorekeeper_NAME.

    The project installs with `pip install -e .`, declares one control with one setting, serves
    its endpoint from its own simulator extension and passes its tests as generated.
    """
    from scorekeeper.kit.naming import NamingError, names_for
    from scorekeeper.kit.scaffold import ScaffoldError, scaffold

    try:
        names = names_for(name, control_id)
    except NamingError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    if names.entry_point in _installed_entry_points():
        raise CommandFailed(
            f"a plugin named {names.entry_point!r} is already installed; choose another NAME", EXIT_USAGE
        )
    try:
        result = scaffold(names, target)
    except ScaffoldError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    if as_json:
        emit_json(
            {
                "root": str(result.root),
                "distribution": names.dist,
                "package": names.package,
                "control": names.control_id,
                "files": list(result.files),
            }
        )
        return
    click.echo(f"created {result.root} ({names.dist}, package {names.package}, control {names.control_id})")
    for file in result.files:
        click.echo(f"  {file}")
    click.echo(
        f"next: cd {result.root} && pip install -e '.[test]' && pytest && "
        f"scorekeeper assess --tenant demo --control {names.control_id}"
    )
