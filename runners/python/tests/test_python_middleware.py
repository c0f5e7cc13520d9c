"""API middleware in the real runner (steppe_runner/middleware.py), composed as Motia 0.17
does (packages/core/src/python/motia_middleware.py at v0.17.14-beta.196): names in the
config, a bad entry refused at load, order, answering early, a changed request and
response, plain `def` middleware in a thread, and errors."""

from __future__ import annotations

from pathlib import Path

from runner_harness import Orchestrator


def test_middleware_is_named_and_runs_first_to_last(orchestrator: Orchestrator) -> None:
    loaded = orchestrator.load("middleware_chain.step.py")
    assert loaded["ok"], loaded
    assert loaded["r"]["config"]["middleware"] == ["auth", "blocking", "<anonymous>"]
    request = {"body": {}, "headers": {"auth": "yes"}}
    answer = orchestrator.run("middleware_chain.step.py", 1, request)
    assert answer["r"] == {
        "status": 200,
        "body": {"seen": ["auth", "blocking"], "swapped": True, "wrapped": True},
        "headers": {"x-auth": "after"},
    }
    assert orchestrator.state["mw"]["handler"] == "ran"
    assert orchestrator.state["mw"]["thread"].startswith("steppe-handler")


def test_a_middleware_answers_without_the_handler(orchestrator: Orchestrator) -> None:
    orchestrator.load("middleware_chain.step.py")
    answer = orchestrator.run("middleware_chain.step.py", 2, {"body": {}, "headers": {}})
    assert answer["r"] == {"status": 401, "body": {"error": "no auth"}}
    assert "mw" not in orchestrator.state


def test_the_handler_error_passes_through_the_middleware(orchestrator: Orchestrator) -> None:
    orchestrator.load("middleware_chain.step.py")
    request = {"body": {"fail": True}, "headers": {"auth": "yes"}}
    answer = orchestrator.run("middleware_chain.step.py", 3, request)
    assert not answer["ok"]
    assert (answer["e"]["name"], answer["e"]["message"]) == ("ValueError", "handler failed")


def test_an_entry_that_is_not_a_function_refuses_the_file(
    orchestrator: Orchestrator, project: Path
) -> None:
    (project / "steps" / "bad_mw_step.py").write_text(
        'config = {"type": "api", "name": "Bad", "method": "GET", "path": "/b",'
        ' "middleware": [print, "auth"]}\n'
        "async def handler(req, ctx):\n    return {'status': 200}\n"
    )
    answer = orchestrator.load("bad_mw_step.py")
    assert not answer["ok"]
    assert answer["e"]["name"] == "ConfigError"
    assert "step 'Bad': middleware[1] is not a function (a str)" in answer["e"]["message"]
