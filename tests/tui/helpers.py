"""Waiting for the app without sleeping: workers finish, then their messages are handled."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker (jobs and data loads) is done and the messages they posted are handled."""
    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one: wait for that one next round
            await pilot.pause()
            continue
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers) and pilot.app.job is None:  # type: ignore[attr-defined]
            await pilot.pause()
            if not any(w.is_running for w in pilot.app.workers):
                return
    raise AssertionError("the app did not settle")


async def run_from_palette(pilot: Pilot[Any], command: str) -> None:
    """Open the command palette, type ``command``, run it, and wait for what it started."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    for key in command:
        await pilot.press("space" if key == " " else key)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)
