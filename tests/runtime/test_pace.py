"""Which handlers a call spins for: fast ones, judged by a moving average."""

from __future__ import annotations

from orchestrator.runtime.pace import HandlerPace


def test_a_handler_not_seen_yet_is_spun_for() -> None:
    assert HandlerPace(spin_seconds=0.001).spin_for("new.step.ts") == 0.001


def test_a_handler_that_answers_slowly_is_not_spun_for_until_it_speeds_up() -> None:
    pace = HandlerPace(spin_seconds=0.001)
    for _ in range(3):
        pace.record("slow.step.ts", 0.050)
    assert pace.spin_for("slow.step.ts") == 0.0
    assert pace.spin_for("other.step.ts") == 0.001  # judged per handler
    for _ in range(60):
        pace.record("slow.step.ts", 0.0001)
    assert pace.spin_for("slow.step.ts") == 0.001


def test_one_slow_answer_does_not_stop_the_spin_for_a_fast_handler() -> None:
    pace = HandlerPace(spin_seconds=0.001)
    for _ in range(20):
        pace.record("fast.step.ts", 0.0001)
    pace.record("fast.step.ts", 0.005)  # a GC pause, a cold cache
    assert pace.spin_for("fast.step.ts") == 0.001
