"""The fault matrix: every fault kind at the first, middle and last write of a real remediation, then rollback.

The CLI (its real ``main()``, in this process) remediates a served ``weak-cloud`` tenant over
HTTP; one write request meets a fault; then ``scorekeeper rollback RUN --yes``. In every cell the
simulator's state must equal its state before the remediation — or the rollback must exit 1 and
name what it could not restore, which only the cells in :data:`MAY_NOT_RESTORE` may do.

What each fault means for the write (see docs/simulator.md):

* 429 and 503 refuse the request before the backend sees it; the SDK (and the portal client)
  retries after ``Retry-After``, so the write is then applied;
* 500-after-apply, reset-after-apply, timeout-after-apply and a malformed answer all come
  *after* the backend applied the write: the client cannot know it happened ("ambiguous"), and
  rollback must find out by reading the tenant again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.safety.harness import TENANT, Lab, lab

FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 1},
    "503": {"status": 503, "retry_after": 1},
    "500-after-apply": {"status": 500, "apply": True},
    "reset-after-apply": {"kind": "reset"},
    "timeout-after-apply": {"kind": "timeout", "timeout_after": 30},
    "malformed": {"kind": "malformed"},
}
POSITIONS = ("first", "middle", "last")
#: Cells whose rollback may end "could not restore" (exit 1) instead of restoring exactly, and why.
#: None: every write the remediation makes can be read back and put back, and every object it
#: creates carries a marker that finds it even when the create's answer was lost.
MAY_NOT_RESTORE: dict[tuple[str, str], str] = {}
#: Faults after which the client cannot know whether the write happened are recorded "ambiguous";
#: rollback re-reads every change of the run, whatever its outcome, and restores what differs, so
#: every cell of the matrix must come back exactly (no cell is expected to fail any more).


def _cells() -> list[Any]:
    cells = []
    for fault in FAULTS:
        for position in POSITIONS:
            cells.append(pytest.param(fault, position, id=f"{fault}-{position}"))
    return cells


@pytest.fixture(scope="module")
def matrix_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, dict[str, int]]]:
    """One served tenant for every cell (reset between cells), and where the writes of a clean run fall."""
    home: Path = tmp_path_factory.mktemp("matrix")
    with lab(home, request_timeout=3.0) as the_lab:  # the timeout cells wait this out
        clean = the_lab.cli("remediate", "--tenant", TENANT, "--yes")
        assert clean.code in (0, 3), clean.err
        writes = len(the_lab.sim.writes())
        assert writes >= 5, "a weak-cloud remediation makes several writes"
        yield the_lab, {"first": 1, "middle": (writes + 1) // 2, "last": writes}


@pytest.mark.parametrize(("fault", "position"), _cells())
def test_rollback_after_a_fault_restores_the_tenant(
    matrix_lab: tuple[Lab, dict[str, int]], fault: str, position: str
) -> None:
    served, at = matrix_lab
    served.sim.reset()  # the profile's state again; log, faults and write count cleared
    served.sim.mark()
    rule = served.sim.faults.add(**FAULTS[fault], write=at[position])

    remediated = served.cli("remediate", "--tenant", TENANT, "--yes")
    assert "Traceback" not in remediated.err
    assert rule.hits == 1, f"the {position} write (#{at[position]}) never came"
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
    served.wait_idle()

    rolled = served.cli("rollback", str(run_id), "--yes")
    assert "Traceback" not in rolled.err
    left = served.sim.state_diff()
    if rolled.code == 1 and (fault, position) in MAY_NOT_RESTORE:
        assert "could not restore" in rolled.out + rolled.err
        return
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert left == [], [str(c) for c in left]
