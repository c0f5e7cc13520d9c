"""Which calls should spin: those whose answer usually comes within the spin.

A call that spins polls the pipe for its answer instead of sleeping until the reader
task wakes it (see `RpcSession.call`). That pays off when the answer comes within the
spin; otherwise the polling is CPU thrown away. So each kind of call (each handler)
keeps a moving rate of spins that got their answer: below one half it stops spinning,
but tries again now and then, in case the handler got faster.
"""

from __future__ import annotations

from collections.abc import Hashable

# A trivial handler on a warm runner answers in about 100 µs here.
SPIN_SECONDS = 250e-6
# Weight of the newest outcome: three misses in a row stop a handler's spinning.
_WEIGHT = 0.25
# A handler that stopped spinning spins again once in this many calls.
_PROBE_EVERY = 32


class SpinPace:
    def __init__(self, spin_seconds: float = SPIN_SECONDS) -> None:
        self.spin_seconds = spin_seconds
        self._hit_rate: dict[Hashable, float] = {}
        self._since_probe: dict[Hashable, int] = {}

    def spin_for(self, key: Hashable) -> float:
        """Seconds the next call of this kind may spin: the budget, or 0. A kind not
        seen yet is presumed fast."""
        if self._hit_rate.get(key, 1.0) >= 0.5:
            return self.spin_seconds
        calls = self._since_probe.get(key, 0) + 1
        self._since_probe[key] = calls % _PROBE_EVERY
        return self.spin_seconds if calls == _PROBE_EVERY else 0.0

    def record(self, key: Hashable, answered: bool) -> None:
        """A call of this kind spun; `answered` if its answer came within the spin."""
        rate = self._hit_rate.get(key, 1.0)
        self._hit_rate[key] = rate + (float(answered) - rate) * _WEIGHT
