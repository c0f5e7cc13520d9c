"""bench/motia.py (the Steppe vs Motia section), without Motia."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.motia
from bench.motia import (
    REPO,
    TEMPLATES,
    Budget,
    OutOfTime,
    Unavailable,
    advantage,
    count_keys,
    install_motia,
    motia_markdown,
    write_project,
)


def test_count_keys_reads_both_state_listings() -> None:
    assert count_keys(["ab-1", "ab-2", "zz-1"], "ab-") == 2  # Motia: keys
    assert count_keys([{"key": "ab-1", "value": {}}, {"key": "x"}], "ab-") == 1  # Steppe
    assert count_keys({"error": "nope"}, "ab-") == 0


def test_advantage() -> None:
    assert advantage(900.0, 3.0, higher_is_better=True) == 300.0
    assert advantage(1.0, 250.0, higher_is_better=False) == 250.0
    assert advantage(None, 3.0, higher_is_better=True) is None
    assert advantage(5.0, 0.0, higher_is_better=True) is None


def test_budget_clamps_and_runs_out() -> None:
    budget = Budget(10)
    assert budget.clamp(3) == 3
    assert 9 < budget.clamp(60) <= 10
    with pytest.raises(OutOfTime):
        budget.clamp(5, minimum=11)


def test_write_project_and_typescript_fallback(tmp_path: Path) -> None:
    files = write_project(tmp_path)
    assert set(TEMPLATES) <= set(files)
    assert (tmp_path / "steps" / "record_order.step.py").exists()
    files = write_project(tmp_path, python_step=False)
    assert not (tmp_path / "steps" / "record_order.step.py").exists()
    assert "steps/record-order.step.ts" in files
    assert "state.set('bench-chain'" in (tmp_path / "steps/record-order.step.ts").read_text()


def test_install_refuses_a_folder_inside_the_repository() -> None:
    with pytest.raises(Unavailable, match="inside the repository"):
        install_motia(REPO / "bench")


def test_markdown_reports_an_install_failure() -> None:
    section = {
        "motia_version": None,
        "motia_error": "Motia could not be installed: npm install failed",
        "notes": [],
        "plan": {"wrk_timeout": 60},
    }
    text = "\n".join(motia_markdown({"motia": section}))
    assert "Motia could not be installed: npm install failed" in text
    assert motia_markdown({}) == []


def test_markdown_ratios_use_this_run_figures() -> None:
    run = {
        "command": "x",
        "ready_s": 1.0,
        "procs": {"peak_32": 3},
        "api": {
            "1": {"rps": 4.0, "p50_ms": 250.0, "p99_ms": 300.0, "timeouts": 0, "non_2xx": 0},
            "32": {"rps": 3.0, "p50_ms": 8000.0, "p99_ms": 9000.0, "timeouts": 2, "non_2xx": 0},
        },
        "chain": {"orders": 20, "arrived": 20, "seconds": 10.0, "clients": 8, "events_per_s": 6},
        "rss_mib": {"idle": 400.0, "peak_32": 2600.0, "peak_chain": 1000.0},
    }
    steppe = run | {
        "api": {"1": {"rps": 1000.0, "p50_ms": 1.0, "p99_ms": 2.0}},
        "chain": run["chain"] | {"events_per_s": 600.0},
        "rss_mib": {"idle": 200.0, "peak_32": 260.0, "peak_chain": 250.0},
    }
    results = {
        "motia": {
            "motia_version": "0.2.2",
            "third_step": "python",
            "motia": run,
            "steppe": steppe,
            "notes": [],
            "plan": {"wrk_timeout": 60},
        },
        "api": {"ts": {"1": {"rps": 2000.0}, "32": {"rps": 3000.0}}},
        "chain": {"memory": {"events_per_s": 9000.0}},
    }
    text = "\n".join(motia_markdown(results))
    assert "Steppe vs Motia 0.2.2" in text
    assert "| GET /ping req/s, 1 conn | 4.0 | 1,000.0 | 250.0x |" in text
    assert "| GET /ping p50 ms, 1 conn | 250.00 | 1.00 | 250.0x |" in text
    assert "| GET /ping req/s, 32 conn | 3.0 | — | — |" in text
    assert "| chain events/s (POST /orders → JS → Python) | 6.0 | 600.0 | 100.0x |" in text
    assert "| process tree RSS MiB, peak at 32 conn | 2,600 | 260 | 10.0x |" in text
    assert "`api` section, ts | 3.0 | 3,000.0 | 1,000.0x |" in text
    assert "`chain` section, memory | 6.0 | 9,000.0 | 1,500.0x |" in text
    assert "2 wrk timeouts" in text


def test_a_failed_install_is_reported_and_steppe_still_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_npm(workdir: Path, timeout: float = 0) -> str:
        raise Unavailable("npm install failed with exit code 1: E404")

    measured: list[str] = []

    def fake_measure(target: object, plan: object, budget: object, logs: Path) -> dict[str, str]:
        measured.append(getattr(target, "name", "?"))
        return {"command": "steppe start"}

    said: list[str] = []
    monkeypatch.setattr(bench.motia, "install_motia", no_npm)
    monkeypatch.setattr(bench.motia, "measure", fake_measure)
    out = bench.motia.run_motia(quick=True, say=said.append)
    assert said == ["Motia could not be installed: npm install failed with exit code 1: E404"]
    assert out["motia_error"] == said[0] and out["motia_version"] is None
    assert measured == ["steppe"] and "motia" not in out
    assert not Path(out["workdir"]).exists()
