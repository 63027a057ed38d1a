"""Tenant text never reaches the terminal raw: Graph error messages, finding reasons, Secure Score titles.

The tenant is served on loopback (``tests/safety/harness.py``) behind :class:`~tests.cli.hostile.HostileProxy`,
which puts CSI, OSC, C1 and bidi controls and invisible characters into every error message Graph
sends; Microsoft's Secure Score titles, categories and state comments carry the same. A 403 on the
authorization policy makes two settings unreadable, so Graph's (hostile) message becomes their
finding reason. Every command that prints such text runs — in-process first (its output captured
as plain text, where any control character at all is a leak), then for real in a pseudo-terminal,
where the bytes the terminal would receive are read and searched for the hostile sequences.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.hostile import SURVIVOR, install_proxy, poison_secure_score, raw_controls, raw_in_terminal_bytes
from tests.safety.harness import REPO, TENANT, Lab, lab


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Lab]:
    with lab(tmp_path) as the_lab:
        install_proxy(the_lab.sim)
        poison_secure_score(the_lab.sim)
        the_lab.sim.faults.add(status=403, path="/v1.0/policies/authorizationPolicy", method="GET")
        yield the_lab


def _clean_run(the_lab: Lab, *args: str, codes: tuple[int, ...] = (0, 1, 3)) -> str:
    result = the_lab.cli(*args)
    assert result.code in codes, (args, result.code, result.err)
    assert "Traceback" not in result.err, result.err
    assert raw_controls(result.out) == [] and raw_controls(result.err) == [], (args, result.out, result.err)
    return result.out + result.err


def test_every_command_that_prints_tenant_text_prints_it_cleaned(hostile: Lab) -> None:
    shown = {}
    shown["assess"] = _clean_run(hostile, "assess", "--tenant", TENANT)
    shown["assess --details"] = _clean_run(hostile, "assess", "--tenant", TENANT, "--details")
    shown["plan"] = _clean_run(hostile, "plan", "--tenant", TENANT)  # not_assessed names each reason
    assert "could not read lab/SelfServicePasswordReset/admin_sspr: " in shown["plan"]
    shown["remediate"] = _clean_run(hostile, "remediate", "--tenant", TENANT, "--yes")
    shown["score --details"] = _clean_run(hostile, "score", "--tenant", TENANT, "--details")
    _clean_run(hostile, "score", "--tenant", TENANT)  # categories in the table

    with hostile.store() as store:
        assessed = store.runs(TENANT, kind="assess")[0].id
        remediated = store.runs(TENANT, kind="remediate")[0].id
    shown["history RUN"] = _clean_run(hostile, "history", str(assessed))
    _clean_run(hostile, "history")
    _clean_run(hostile, "verify", str(remediated))

    hostile.sim.faults.add(status=500, writes=True)  # every restore refused, with Graph's (hostile) message
    shown["rollback"] = _clean_run(hostile, "rollback", str(remediated), "--yes")
    assert "could not be restored" in shown["rollback"]
    with hostile.store() as store:
        rolled = store.runs(TENANT, kind="rollback")[0].id
    _clean_run(hostile, "history", str(rolled))
    for fmt in ("html", "md", "json", "csv", "actionplan", "junit", "sarif"):  # to stdout, as a terminal shows it
        report = hostile.cli("report", "--tenant", TENANT, "--format", fmt)
        assert report.code == 0, (fmt, report.err)
        assert raw_controls(report.out.replace("\r\n", "\n")) == [], fmt  # CSV rows end in CRLF by standard

    # Not vacuous: each of these printed the hostile text (cleaned), not nothing.
    assert {name for name, text in shown.items() if SURVIVOR not in text} == set()


def _in_pty(the_lab: Lab, *args: str, timeout: float = 180.0) -> tuple[int, bytes]:
    """Run the real CLI in a pseudo-terminal (200×50) and return its exit code and every byte it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {**os.environ, **the_lab.env, "TERM": "xterm-256color", "COLUMNS": "200", "LINES": "50"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()", *the_lab.args(*args)]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"{args}: no end in {timeout}s; so far: {b''.join(chunks)[-2000:]!r}")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        os.close(master)
    return code, b"".join(chunks)


def test_in_a_real_terminal_no_hostile_sequence_arrives(hostile: Lab) -> None:
    """The bytes a terminal receives: rich's colours and cursor moves, and tenant text without its controls."""
    setup = hostile.cli("remediate", "--tenant", TENANT, "--yes", "--json")  # something to roll back
    assert setup.code in (0, 1), setup.err
    remediated = json.loads(setup.out)["run_id"]

    runs = {
        "plan": ("plan", "--tenant", TENANT),  # Graph's error message as each unread setting's reason
        "assess": ("assess", "--tenant", TENANT, "--details"),  # the same reasons in the findings table
        "score": ("score", "--tenant", TENANT, "--details"),  # Secure Score titles, categories, comments
    }
    seen = {}
    for name, args in runs.items():
        code, data = _in_pty(hostile, *args)
        assert code in (0, 1, 3), (name, code, data[-2000:])
        assert raw_in_terminal_bytes(data) == [], (name, data)
        seen[name] = data
    hostile.sim.faults.add(status=500, writes=True)
    code, data = _in_pty(hostile, "rollback", str(remediated), "--yes")  # restorations quote Graph's refusal
    assert code == 1, data[-2000:]
    assert raw_in_terminal_bytes(data) == [], data
    seen["rollback"] = data

    assert b"\x1b[" in seen["plan"] + seen["score"], "a terminal: rich styles its output"
    assert {name for name, data in seen.items() if SURVIVOR.encode() not in data} == set()
