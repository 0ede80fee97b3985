"""Who holds an outbox row: the name a sending process writes into `claimed_by`, and whether
that process is gone.

A row a dead sender left behind would otherwise wait for its lease (five minutes) before
anyone settles it. A sender on the same machine can tell sooner: the name carries the host,
the process id and the process's start time (a recycled pid, e.g. pid 1 in a restarted
container, has another start time), so a restarted bot settles its predecessor's rows at once.
"""

from __future__ import annotations

import os
import socket

import psutil

_HOST = socket.gethostname()[:24]


def _started(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def sender_name(instance: int) -> str:
    """`host:pid:start:instance` for one sender of this process (under 64 characters)."""
    pid = os.getpid()
    return f"{_HOST}:{pid}:{_started(pid) or 0}:{instance:x}"


def is_gone(owner: str) -> bool:
    """True only when `owner` ran on this machine and its process no longer runs. Owners on
    other machines, or names in another form, are left to the lease."""
    parts = owner.split(":")
    if len(parts) != 4 or parts[0] != _HOST:
        return False
    try:
        pid, started = int(parts[1]), int(parts[2])
    except ValueError:
        return False
    now_started = _started(pid)
    return now_started is None or now_started != started
