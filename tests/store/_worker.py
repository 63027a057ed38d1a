"""A separate process that writes to a history database; driven by tests over stdin/stdout.

Run as a script (not imported), so it is a real second process with its own connections:

    python _worker.py migrate DB          open (and so migrate) the database once "go" arrives
    python _worker.py write DB TENANT N   open, then after "go" write N runs with findings and changes
    python _worker.py abandon DB TENANT   start a run and exit without finishing it (a killed process)
    python _worker.py lease DB TENANT     after "go", try to take the tenant's writer lease; hold it
                                          until stdin closes when taken

It prints "ready" when set up, waits for a line on stdin, does its work, and prints one JSON line
with what it did. Any exception makes it exit non-zero with the traceback on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime

from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, SecureScore, Status
from scorekeeper.store import HistoryStore


def _wait_for_go() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def migrate(db: str) -> dict[str, object]:
    _wait_for_go()
    store = HistoryStore.open(db)
    store.close()
    return {"opened": True}


def write(db: str, tenant: str, n: int) -> dict[str, object]:
    store = HistoryStore.open(db)
    _wait_for_go()
    run_ids = []
    for i in range(n):
        run_id = store.start_run(tenant, "assess", controls=["SelfServicePasswordReset"])
        findings = tuple(
            Finding("SelfServicePasswordReset", f"setting_{s}", Status.PASS if (i + s) % 3 else Status.FAIL, i, s)
            for s in range(5)
        )
        score = SecureScore("SelfServicePasswordReset", float(i % 2), 1.0, datetime.now(UTC))
        store.record_control_result(run_id, ControlResult("SelfServicePasswordReset", "SSPR", findings, score=score))
        pending = Change("notify_users", i, None, Outcome.SKIPPED)
        change_id = store.change_started(run_id, "SelfServicePasswordReset", pending)
        store.change_finished(Change("notify_users", i, i + 1, Outcome.APPLIED, id=change_id))
        store.finish_run(run_id)
        run_ids.append(run_id)
    store.close()
    return {"runs": run_ids}


def abandon(db: str, tenant: str) -> None:
    store = HistoryStore.open(db)
    run_id = store.start_run(tenant, "remediate", controls=["SelfServicePasswordReset"])
    print(json.dumps({"run_id": run_id, "pid": os.getpid()}), flush=True)
    os._exit(0)  # no finish_run, no cleanup: as if the process had been killed


def lease(db: str, tenant: str) -> dict[str, object]:
    from scorekeeper.safety.lease import LeaseHeld, writer_lease

    store = HistoryStore.open(db)
    _wait_for_go()
    try:
        with writer_lease(store, tenant, "test writer"):
            print(json.dumps({"acquired": True, "pid": os.getpid()}), flush=True)
            sys.stdin.readline()
    except LeaseHeld as exc:
        return {"acquired": False, "message": str(exc)}
    finally:
        store.close()
    return {"released": True}


def main(argv: list[str]) -> None:
    command, db, *rest = argv
    if command == "migrate":
        result = migrate(db)
    elif command == "write":
        result = write(db, rest[0], int(rest[1]))
    elif command == "lease":
        result = lease(db, rest[0])
    elif command == "abandon":
        abandon(db, rest[0])
        return
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
