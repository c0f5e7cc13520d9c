"""Identifiers: 32 lower-case hex digits, like a UUID's hex."""

from __future__ import annotations

import os
import time


def random_id() -> str:
    """128 random bits (trace ids)."""
    return os.urandom(16).hex()


def time_ordered_id() -> str:
    """Nanoseconds since the epoch, then 64 random bits (event and delivery ids).

    Ids made later sort later, as UUIDv7s do, so a store's index on them grows at its
    end: a random id lands on a different page each time, which made every SQLite
    commit write several times the pages (measured: accepts 4.5 times slower)."""
    return f"{time.time_ns():016x}{os.urandom(8).hex()}"
