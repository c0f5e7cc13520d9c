"""Which calls spin: those whose spins usually get their answer, judged per kind."""

from __future__ import annotations

from orchestrator.rpc.pace import SpinPace


def test_a_kind_not_seen_yet_spins() -> None:
    assert SpinPace(spin_seconds=0.001).spin_for("new.step.ts") == 0.001


def test_spins_that_keep_missing_stop_but_are_tried_again_now_and_then() -> None:
    pace = SpinPace(spin_seconds=0.001)
    for _ in range(3):
        pace.record("slow.step.ts", answered=False)
    budgets = [pace.spin_for("slow.step.ts") for _ in range(64)]
    assert budgets.count(0.001) == 2  # one probe in every 32 calls
    assert budgets[31] == budgets[63] == 0.001
    assert pace.spin_for("other.step.ts") == 0.001  # judged per kind


def test_probes_that_get_their_answer_bring_the_spin_back() -> None:
    pace = SpinPace(spin_seconds=0.001)
    for _ in range(10):
        pace.record("step.ts", answered=False)
    for _ in range(4):
        pace.record("step.ts", answered=True)
    assert pace.spin_for("step.ts") == 0.001


def test_one_miss_does_not_stop_a_kind_that_usually_answers_in_time() -> None:
    pace = SpinPace(spin_seconds=0.001)
    for _ in range(20):
        pace.record("fast.step.ts", answered=True)
    pace.record("fast.step.ts", answered=False)  # a GC pause, a cold cache
    assert pace.spin_for("fast.step.ts") == 0.001
