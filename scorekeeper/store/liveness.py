"""Is the process behind a run (or a writer's lease) still alive? One judgement, used everywhere.

A process id and a host name cannot answer this: in a container the process is often PID 1 in
its own PID namespace, which is "alive" to every other process that asks about pid 1, and a run
started on another host (a shared PostgreSQL database) cannot be asked about at all. So every
live run and lease carries a **heartbeat**: its process refreshes ``heartbeat_at`` every
``heartbeat_seconds`` (see ``heartbeat.py``), and one whose heartbeat is older than
:data:`STALE_BEATS` of its own intervals is dead, wherever it ran.

A process id is still used as a fast path, but only where it means something: when the
``process_key`` (kernel boot id and PID namespace) of the run equals ours, the pid names the
same process for both of us, and a pid that no longer exists is dead at once — no need to wait
for the heartbeat to age.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

#: How often a live process refreshes its heartbeat, unless ``$SCOREKEEPER_HEARTBEAT_SECONDS`` says.
DEFAULT_HEARTBEAT_SECONDS = 10.0
#: A heartbeat older than this many of its own intervals means the process is gone. Four leaves
#: room for a beat delayed by a busy database (SQLite's write lock) or a loaded machine.
STALE_BEATS = 4
HEARTBEAT_ENV = "SCOREKEEPER_HEARTBEAT_SECONDS"


def heartbeat_seconds() -> float:
    """The heartbeat interval of this process: ``$SCOREKEEPER_HEARTBEAT_SECONDS`` or 10 s."""
    raw = os.environ.get(HEARTBEAT_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_HEARTBEAT_SECONDS
    except ValueError:
        return DEFAULT_HEARTBEAT_SECONDS
    return value if 0.01 <= value <= 3600 else DEFAULT_HEARTBEAT_SECONDS


@dataclass(frozen=True)
class ProcessIdentity:
    """Who we are, as recorded on runs and leases."""

    host: str
    pid: int
    key: str


@cache
def process_key() -> str:
    """Kernel boot id and PID namespace: equal keys mean pids name the same processes.

    Empty where it cannot be known (not Linux, ``/proc`` not mounted); the pid fast path is
    then never taken and only the heartbeat decides.
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = str(Path("/proc/self/ns/pid").readlink())
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def this_process() -> ProcessIdentity:
    # Not cached: process_key() is per boot and namespace, but the pid changes after a fork.
    return ProcessIdentity(socket.gethostname(), os.getpid(), process_key())


def stale_after(interval: float) -> timedelta:
    """How long a heartbeat of ``interval`` seconds may stay silent before its process counts as dead."""
    return timedelta(seconds=interval * STALE_BEATS)


def gone(
    *,
    pid: int | None,
    key: str,
    heartbeat_at: datetime | None,
    interval: float | None,
    now: datetime,
) -> str | None:
    """Why the process described is dead, or ``None`` when it may be alive.

    ``heartbeat_at``/``interval`` of ``None`` (a run recorded before heartbeats existed) leave
    only the pid check, and only on the same boot and PID namespace.
    """
    me = this_process()
    if pid is not None and key and key == me.key:
        if pid == me.pid:
            return None
        if not pid_alive(pid):
            return f"its process (pid {pid}) ended"
    if heartbeat_at is not None and interval is not None:
        silent = now - heartbeat_at
        if silent > stale_after(interval):
            return f"no heartbeat for {silent.total_seconds():.0f} s (last {heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"
    return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists in our PID namespace (without signalling it)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) still answers kill(0): it is dead all the same.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
