"""When this process started, so that `--timing` counts start-up and imports
too, not only the passes."""

from __future__ import annotations

import os
import time

_MARK = time.perf_counter()


def seconds_since_start() -> float:
    """Seconds since the process started (Linux: from /proc; elsewhere: since
    this module was imported, which is within a few ms of it)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        started_ticks = int(fields[19])  # field 22 of stat: start time in clock ticks after boot
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return max(0.0, uptime - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _MARK
