"""How much memory a runner process holds, for /__steppe/metrics."""

from __future__ import annotations

import os
from pathlib import Path

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pid: int | None) -> int | None:
    """Resident set size of `pid` from /proc (Linux); None where there is no /proc or
    the process is gone."""
    if pid is None:
        return None
    try:
        # statm's second field: resident pages. One short read, no parsing of `status`.
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return None
    return int(fields[1]) * _PAGE_SIZE if len(fields) > 1 else None
