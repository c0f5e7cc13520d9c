"""How many deliveries one trace may make (docs/reference.md §6, `max_trace_deliveries`).

The emit depth limit stops a chain that goes deep; it does not stop one that goes wide:
a step subscribed to a topic that emits that topic twice per delivery doubles the
queue at every level, 2^64 deliveries before the depth limit. Counting every
delivery a trace has made bounds both.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_MAX_TRACE_DELIVERIES = 10_000
# Traces whose counts are kept; the oldest are forgotten past this (a trace that old
# has long finished its fan-out), so the counts themselves stay bounded. 10,000 is
# about 2 MB; at 50,000 the counts alone grew the server by ~10 MB in a soak's first
# minutes (BENCHMARKS.md, the soak with hostile steps).
TRACKED_TRACES = 10_000


class TraceBudget:
    """Counts deliveries per trace; says when a trace has spent its budget."""

    def __init__(self, limit: int = DEFAULT_MAX_TRACE_DELIVERIES) -> None:
        self.limit = limit
        self._spent: OrderedDict[str, int] = OrderedDict()

    def spend(self, trace_id: str, deliveries: int) -> bool:
        """Count `deliveries` more for the trace; False when that passes the limit
        (they are then not counted, and must not run)."""
        spent = self._spent.pop(trace_id, 0)
        allowed = spent + deliveries <= self.limit
        self._spent[trace_id] = spent + deliveries if allowed else spent
        if len(self._spent) > TRACKED_TRACES:
            self._spent.popitem(last=False)
        return allowed
