"""How fast each handler usually answers, and so whether a call to it should spin.

A call that spins polls the runner's pipe for its answer instead of sleeping until the
reader task wakes it (`RpcSession.call`'s `spin`). That pays off only for handlers that
answer within the spin: for a slow one the polling would be CPU thrown away.
"""

from __future__ import annotations

from collections.abc import Hashable

# A handler that usually answers within this long is spun for (a trivial handler on a
# warm runner answers in about 100 µs here).
SPIN_SECONDS = 250e-6
# Weight of the newest answer time in the moving average.
_WEIGHT = 0.1


class HandlerPace:
    def __init__(self, spin_seconds: float = SPIN_SECONDS) -> None:
        self.spin_seconds = spin_seconds
        self._typical: dict[Hashable, float] = {}

    def spin_for(self, handler: Hashable) -> float:
        """Seconds a call to `handler` may spin: the budget, or 0 for a slow handler.
        A handler not seen yet is presumed fast."""
        typical = self._typical.get(handler, 0.0)
        return self.spin_seconds if typical < self.spin_seconds else 0.0

    def record(self, handler: Hashable, seconds: float) -> None:
        """One call to `handler` took `seconds` from request to answer."""
        typical = self._typical.get(handler, seconds)
        self._typical[handler] = typical + (seconds - typical) * _WEIGHT
