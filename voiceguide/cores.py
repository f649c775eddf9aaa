"""How many cores voiceguide's pools may use: the ones this process may run on."""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on: its CPU affinity, which a container's or `taskset`'s
    CPU set limits, not the machine's count (a 2-core container on a 64-core host has 2)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS has no affinity
        return os.cpu_count() or 1
