"""``scorekeeper history prune``: apply the retention policy of ``[history] keep_days``."""

from __future__ import annotations

from typing import Any

import click

#: The word that turns ``history RUN_ID`` into ``history prune``.
PRUNE = "prune"


class RunIdOrPrune(click.ParamType):
    """A run id (a positive 64-bit integer), or the word ``prune``."""

    name = "RUN_ID|prune"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | str:
        if value == PRUNE:
            return PRUNE
        return click.IntRange(1, 2**63 - 1).convert(value, param, ctx)


def prune_history(state: Any, keep_days: int | None, dry_run: bool, as_json: bool) -> None:
    """Delete runs older than ``keep_days`` (default: the config's ``[history] keep_days``) and say what went."""
    from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, emit_json

    days = keep_days if keep_days is not None else state.config.history.keep_days
    if days is None:
        raise CommandFailed(
            "nothing to prune by: set [history] keep_days in the config or pass --keep-days N", EXIT_USAGE
        )
    result = state.store.prune(days, dry_run=dry_run)
    if as_json:
        emit_json({**result.to_dict(), "dry_run": dry_run, "keep_days": days})
        return
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {result.runs} run(s) started before {result.cutoff:%Y-%m-%d %H:%M} UTC "
        f"({result.findings} finding row(s), {result.bodies} unused finding bodies); "
        "kept: each tenant × control's newest assessment, every remediation and rollback"
    )
