"""Steppe's `motia` module in the Python runner (motia-py/packages/motia/src/motia/
__init__.py's names): it wins over any installed `motia`, and acts for the invocation
that calls it."""

from __future__ import annotations

from pathlib import Path

from runner_harness import Orchestrator


def test_the_runner_module_wins_over_an_installed_motia(
    orchestrator: Orchestrator, project: Path
) -> None:
    # The project root is first on sys.path: a `motia` package there would be imported.
    fake = project / "motia"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('the real motia needs its engine')\n")
    (fake / "types.py").write_text("raise ImportError('the real motia.types')\n")
    (project / "steps" / "uses_types.step.py").write_text(
        "from motia.types import ApiResponse\nimport motia\n"
        "config = {'name': 'T', 'triggers': [motia.cron('* * * * *')]}\n"
        "def handler(i, c): return ApiResponse(status=200, body=motia.__name__)\n"
    )
    loaded = orchestrator.load("uses_types.step.py")
    assert loaded["ok"], loaded
    cron = {"type": "cron", "index": 0, "expression": "* * * * *"}
    answer = orchestrator.run("uses_types.step.py", 1, trigger=cron)
    assert answer["r"]["body"] == "steppe_runner.motia"


def test_module_calls_are_bound_to_their_invocation(orchestrator: Orchestrator) -> None:
    """Two interleaved invocations of a 0.17 step: logger, state_manager and enqueue from
    the module each act for their own invocation (a ContextVar)."""
    orchestrator.load("v1_module_017.step.py")
    slow = orchestrator.invoke("v1_module_017.step.py", 1, {"n": 1, "delay": 0.3})
    fast = orchestrator.invoke("v1_module_017.step.py", 2, {"n": 2, "delay": 0.0})
    assert orchestrator.response(fast)["r"] == 2
    assert orchestrator.response(slow)["r"] == 1
    for iid in (1, 2):
        calls = [(c["m"], c["p"]) for c in orchestrator.calls if c["p"]["iid"] == iid]
        assert calls == [
            ("state.replace", {"iid": iid, "group": "m", "key": str(iid), "value": iid}),
            ("emit", {"iid": iid, "topic": "m.done", "data": iid}),
        ]
        assert orchestrator.logs(iid=iid, source="logger")[0]["fields"] == {"n": iid}


def test_outside_a_handler_enqueue_names_itself(orchestrator: Orchestrator, project: Path) -> None:
    (project / "steps" / "early.step.py").write_text(
        "from motia import enqueue, logger\nlogger.info('loading', {'a': 1})\n"
        "enqueue({'topic': 'x', 'data': 1})\nconfig = {'name': 'Early', 'triggers': []}\n"
    )
    error = orchestrator.load("early.step.py")["e"]
    assert error["name"] == "RuntimeError"
    assert error["message"].startswith("enqueue() was called outside a step handler")
    assert orchestrator.logs(source="stderr")[0]["msg"] == "[info] loading {'a': 1}"
