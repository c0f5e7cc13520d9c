"""The real runner process against the fixture project, with the test as orchestrator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_harness import RUNNER_DIR, Orchestrator

API_INPUT = {
    "body": {"productId": "p1", "quantity": 2},
    "headers": {"content-type": "application/json"},
    "pathParams": {"id": "42"},
    "queryParams": {"q": "fast"},
}


# Loading ---------------------------------------------------------------------------------


def test_load_reports_config_handlers_and_deps(orchestrator: Orchestrator) -> None:
    loaded = orchestrator.load("create_order.step.py")
    assert loaded["ok"], loaded
    assert loaded["r"]["config"]["name"] == "CreateOrder"
    assert loaded["r"]["config"]["bodySchema"] == {"productId": "string", "quantity": "number"}
    assert loaded["r"]["handlers"] == ["handler"]
    assert loaded["r"]["deps"] == []

    underscore = orchestrator.load("weekly_report_step.py")
    assert underscore["ok"], underscore
    assert underscore["r"]["config"]["emits"] == [
        {"topic": "report.ready", "label": "Report ready"}
    ]


def test_pydantic_schemas_become_json_schema(orchestrator: Orchestrator) -> None:
    pytest.importorskip("pydantic")
    loaded = orchestrator.load("typed_body.step.py")
    assert loaded["ok"], loaded
    config = loaded["r"]["config"]
    assert config["bodySchema"]["type"] == "object"
    assert set(config["bodySchema"]["properties"]) == {"name", "age"}
    assert config["responseSchema"]["201"]["title"] == "Created"  # integer keys become strings
    assert config["responseSchema"]["400"] == {"type": "object"}
    assert config["middleware"] == ["<anonymous>"]  # functions are named, not sent

    stream = orchestrator.load("chat_stream.py")
    assert stream["ok"], stream
    assert stream["r"]["config"]["schema"]["properties"] == {
        "text": {"title": "Text", "type": "string"}
    }
    assert stream["r"]["handlers"] == ["canAccess"]

    def can_access(group: str, token: str | None) -> object:
        access = {"subscription": {"groupId": group}, "authContext": {"token": token}}
        answer = orchestrator.run("chat_stream.py", 1, access, fn="canAccess")
        assert answer["ok"], answer
        return answer["r"]

    # Called as can_access(subscription, auth_context), Motia's two arguments.
    assert can_access("public", None) is True
    assert can_access("private", "secret") is True
    assert can_access("private", "wrong") is False


def test_can_access_in_the_config_is_awaited_with_two_arguments(
    orchestrator: Orchestrator,
) -> None:
    loaded = orchestrator.load("guarded_stream.py")
    assert loaded["ok"], loaded
    assert loaded["r"]["handlers"] == ["canAccess"]
    results = []
    for iid, (group, token) in enumerate([("room-1", "secret"), ("room-1", None), ("x", "secret")]):
        access = {"subscription": {"groupId": group}, "authContext": {"token": token}}
        answer = orchestrator.run("guarded_stream.py", iid + 1, access, fn="canAccess")
        assert answer["ok"], answer
        results.append(answer["r"])
    assert results == [True, False, False]


def test_syntax_error_names_file_and_line(orchestrator: Orchestrator, project: Path) -> None:
    (project / "steps" / "broken.step.py").write_text('config = {"type": "event"}\n\ndef (:\n')
    failed = orchestrator.load("broken.step.py")
    assert not failed["ok"]
    error = failed["e"]
    assert error["name"] == "SyntaxError"
    assert error["line"] == 3
    assert f"{orchestrator.path('broken.step.py')}, line 3" in error["message"]
    assert "SyntaxError" in error["stack"]


def test_import_error_and_missing_config(orchestrator: Orchestrator) -> None:
    failed = orchestrator.load("bad_import.step.py")
    assert failed["e"]["name"] == "ModuleNotFoundError"
    assert failed["e"]["line"] == 3
    assert "steppe_no_such_module" in failed["e"]["message"]
    assert orchestrator.path("bad_import.step.py") in failed["e"]["message"]
    assert "steppe_runner" not in failed["e"]["stack"]  # the runner's frames are left out

    missing = orchestrator.load("no_config.step.py")
    assert missing["e"]["name"] == "ConfigError"
    assert "config" in missing["e"]["message"]


def test_project_helper_is_imported_and_listed_in_deps(orchestrator: Orchestrator) -> None:
    lib = orchestrator.project / "lib"
    deps = [str(lib / "__init__.py"), str(lib / "helpers.py"), str(lib / "words.py")]
    first = orchestrator.load("uses_helper.step.py")
    # The helpers are already imported when the second step loads; they are its deps still.
    second = orchestrator.load("also_uses_helper.step.py")
    assert first["r"]["deps"] == deps
    assert second["r"]["deps"] == deps
    assert orchestrator.run("uses_helper.step.py", 1, {"name": "ann"})["r"] == "HELLO ANN"
    assert orchestrator.run("also_uses_helper.step.py", 2, {"name": "bo"})["r"] == "HELLO BO"


def test_steps_defining_the_same_names_stay_apart(orchestrator: Orchestrator) -> None:
    orchestrator.load("same_a.step.py")
    orchestrator.load("same_b.step.py")
    assert orchestrator.run("same_a.step.py", 1, {})["r"] == "a"
    assert orchestrator.run("same_b.step.py", 2, {})["r"] == "b"


def test_reload_picks_up_edits_to_step_and_helper(
    orchestrator: Orchestrator, project: Path
) -> None:
    step = project / "steps" / "edited.step.py"
    source = 'config = {{"type": "event", "name": "E", "subscribes": ["e"]}}\n\n\n' + (
        "async def handler(input, context):\n    return {!r}\n"
    )
    step.write_text(source.format("v1"))
    orchestrator.load("edited.step.py")
    assert orchestrator.run("edited.step.py", 1, {})["r"] == "v1"
    step.write_text(source.format("v2"))  # same size, same second: no stale bytecode
    assert orchestrator.load("edited.step.py")["ok"]
    assert orchestrator.run("edited.step.py", 2, {})["r"] == "v2"

    orchestrator.load("uses_helper.step.py")
    orchestrator.load("also_uses_helper.step.py")
    # lib/words.py is imported by lib/helpers.py, which the steps import.
    (project / "lib" / "words.py").write_text('GREETING = "howdy"\n')
    orchestrator.load("uses_helper.step.py")
    orchestrator.load("also_uses_helper.step.py")
    assert orchestrator.run("uses_helper.step.py", 3, {"name": "x"})["r"] == "HOWDY X"
    assert orchestrator.run("also_uses_helper.step.py", 4, {"name": "y"})["r"] == "HOWDY Y"


def test_failed_reload_keeps_the_previous_version(
    orchestrator: Orchestrator, project: Path
) -> None:
    orchestrator.load("same_a.step.py")
    (project / "steps" / "same_a.step.py").write_text("this is not python\n")
    assert not orchestrator.load("same_a.step.py")["ok"]
    assert orchestrator.run("same_a.step.py", 1, {})["r"] == "a"


def test_unload_and_unknown_requests(orchestrator: Orchestrator) -> None:
    orchestrator.load("same_a.step.py")
    assert orchestrator.call("unload", {"path": orchestrator.path("same_a.step.py")})["ok"]
    assert orchestrator.run("same_a.step.py", 1, {})["e"]["name"] == "NotLoaded"
    assert orchestrator.run("nowhere.step.py", 2, {})["e"]["name"] == "NotLoaded"
    orchestrator.load("same_a.step.py")
    no_access = orchestrator.run("same_a.step.py", 3, {}, fn="canAccess")
    assert no_access["e"]["name"] == "NoSuchFunction"
    assert orchestrator.call("frobnicate", {})["e"]["name"] == "UnknownMethod"
    assert orchestrator.call("ping", {"x": [1, "é"]})["r"] == {"x": [1, "é"]}


# Invoking ----------------------------------------------------------------------------------


def test_async_api_step(orchestrator: Orchestrator) -> None:
    orchestrator.load("create_order.step.py")
    answer = orchestrator.run("create_order.step.py", 7, API_INPUT)
    assert answer["ok"], answer
    body = answer["r"]["body"]
    assert answer["r"]["status"] == 201
    assert answer["r"]["headers"] == {"x-path-id": "42", "x-query": "fast"}
    assert body["createdAt"] == "2024-05-01T12:30:00+00:00"  # datetimes become ISO strings
    assert body["tags"] == ["new", "web"]  # tuples become lists
    assert [call["m"] for call in orchestrator.calls] == ["state.set", "emit"]
    assert all(call["p"]["iid"] == 7 for call in orchestrator.calls)
    assert orchestrator.calls[1]["p"] == {"iid": 7, "topic": "order.created", "data": body}
    assert orchestrator.logs(iid=7, source="logger") == [
        {
            "iid": 7,
            "level": "info",
            "msg": "creating order",
            "fields": {"orderId": "42", "traceId": "trace-7"},
            "source": "logger",
        }
    ]


def test_sync_handler_blocks_on_context_calls_in_a_thread(orchestrator: Orchestrator) -> None:
    orchestrator.load("sync_counter.step.py")
    orchestrator.state["counters"] = {"a": 2, "b": 10}
    answer = orchestrator.run("sync_counter.step.py", 3, {"key": "a", "by": 5})
    assert answer["r"]["stored"] == 7
    assert answer["r"]["values"] == [7, 10]
    assert answer["r"]["thread"] != "MainThread"
    assert [(c["m"], c["p"]["iid"]) for c in orchestrator.calls] == [
        ("state.get", 3),
        ("state.set", 3),
        ("state.getGroup", 3),
    ]
    assert orchestrator.logs(iid=3)[0]["fields"] == {"key": "a"}


def test_event_step_with_keyword_emit_and_group_values(orchestrator: Orchestrator) -> None:
    orchestrator.load("weekly_report_step.py")
    orchestrator.state["orders"] = {"o1": {"amount": 5}, "o2": {"amount": 7}}
    assert orchestrator.run("weekly_report_step.py", 1, {"week": 3})["r"] == 12
    assert orchestrator.calls[-1]["p"] == {
        "iid": 1,
        "topic": "report.ready",
        "data": {"week": 3, "total": 12},
    }


def test_cron_handler_takes_only_the_context(orchestrator: Orchestrator) -> None:
    orchestrator.load("cleanup.step.py")
    answer = orchestrator.run("cleanup.step.py", 9)
    assert answer["r"] == {"traceId": "trace-9", "flows": ["test"]}
    assert orchestrator.calls[-1] == {
        "t": "req",
        "id": orchestrator.calls[-1]["id"],
        "m": "state.clear",
        "p": {"iid": 9, "group": "sessions"},
    }


def test_seed_cron_step_runs_unchanged(orchestrator: Orchestrator) -> None:
    orchestrator.load("generate_analytics.step.py")
    assert orchestrator.run("generate_analytics.step.py", 1)["r"] is None
    assert orchestrator.logs(iid=1)[0]["msg"] == "No orders data available"

    orchestrator.state["orders"] = {"a": {"amount": 10}, "b": {"amount": 20}}
    assert orchestrator.run("generate_analytics.step.py", 2)["ok"]
    emitted = orchestrator.calls[-1]["p"]
    assert emitted["topic"] == "analytics.generated"
    assert emitted["data"]["totalOrders"] == 2
    assert emitted["data"]["averageOrderValue"] == 15
    assert orchestrator.state["analytics"]["weekly"] == emitted["data"]
    assert orchestrator.logs(iid=2)[-1]["msg"] == "Analytics generated successfully"


def test_every_context_call(orchestrator: Orchestrator) -> None:
    orchestrator.load("tour.step.py")
    answer = orchestrator.run("tour.step.py", 4, {})
    assert answer["ok"], answer
    assert answer["r"] == {
        "item": {"text": "hi"},
        "got": None,  # streams.chatMessages is another stream than streams["chat-messages"]
        "group": [{"text": "hi"}],
        "deleted": {"text": "hi"},
    }
    calls = [(c["m"], c["p"]) for c in orchestrator.calls]
    assert calls[0] == (
        "emit",
        {"iid": 4, "topic": "toured", "data": {"n": 1}, "idempotencyKey": "k1"},
    )
    assert calls[4] == (
        "streams.send",
        {
            "iid": 4,
            "stream": "chat-messages",
            "channel": {"groupId": "room"},
            "event": {"type": "typing", "data": {"who": "x"}},
        },
    )
    levels = [(log["level"], log["msg"]) for log in orchestrator.logs(iid=4)]
    assert levels == [("debug", "d"), ("warn", "w"), ("warn", "w2"), ("error", "e")]
    assert orchestrator.logs(iid=4)[3]["fields"] == {"obj": "<class 'object'>", "c": 3}


def test_concurrent_invocations(orchestrator: Orchestrator) -> None:
    orchestrator.load("waits.step.py")
    orchestrator.load("sync_counter.step.py")
    orchestrator.state["waits"] = {"1": "one", "2": "two"}
    orchestrator.hold = True
    first = orchestrator.invoke("waits.step.py", 1, {"key": 1})
    second = orchestrator.invoke("waits.step.py", 2, {"key": 2})
    blocked = [
        orchestrator.invoke("sync_counter.step.py", 10 + n, {"key": "k", "by": 1}) for n in range(3)
    ]
    # All five are waiting on the orchestrator at once: two tasks and three threads.
    orchestrator.wait_until(lambda: len(orchestrator.held) == 5)
    assert sorted(c["p"]["iid"] for c in orchestrator.held) == [1, 2, 10, 11, 12]
    orchestrator.hold = False
    for call in reversed(orchestrator.held):
        orchestrator.answer(call)
    assert orchestrator.response(second)["r"] == {"key": 2, "value": "two"}
    assert orchestrator.response(first)["r"] == {"key": 1, "value": "one"}
    assert all(orchestrator.response(r)["ok"] for r in blocked)


def test_print_becomes_log_notes_and_never_reaches_the_protocol(
    orchestrator: Orchestrator,
) -> None:
    loaded = orchestrator.load("chatter.step.py")
    assert orchestrator.logs(path=orchestrator.path("chatter.step.py")) == [
        {
            "path": orchestrator.path("chatter.step.py"),
            "level": "info",
            "msg": "loading chatter",
            "source": "stdout",
        }
    ]
    assert loaded["ok"]
    answer = orchestrator.run("chatter.step.py", 5, {"n": 1})
    assert answer["r"] == "done"
    printed = [(log["source"], log["level"], log["msg"]) for log in orchestrator.logs(iid=5)]
    assert printed == [
        ("stdout", "info", "to stdout 1"),
        ("stderr", "error", "to stderr"),
        ("stdout", "info", "two"),
        ("stdout", "info", "lines"),
        ("stdout", "info", "partial"),  # the unfinished line, sent when the handler ends
    ]
    # A subprocess and raw writes to fd 1 land on stderr, not in the protocol stream.
    orchestrator.close()
    assert "from-a-subprocess" in orchestrator.stderr_lines
    assert "raw fd 1 write" in orchestrator.stderr_lines


def test_errors_from_handlers(orchestrator: Orchestrator) -> None:
    orchestrator.load("throws.step.py")
    orchestrator.load("unserialisable.step.py")
    orchestrator.load("callback_errors.step.py")

    thrown = orchestrator.run("throws.step.py", 1, {"value": 3})["e"]
    assert thrown["name"] == "ValueError"
    assert thrown["message"] == "bad value 3"
    assert 'throws.step.py", line 5, in explode' in thrown["stack"]
    assert "steppe_runner" not in thrown["stack"]

    odd = orchestrator.run("unserialisable.step.py", 2, {})["e"]
    assert odd["name"] == "SerializationError"
    assert "Opaque" in odd["message"] and "['body']['items'][1]" in odd["message"]

    caught = orchestrator.run("callback_errors.step.py", 3, {})["r"]
    assert caught == {
        "name": "EmitError",
        "message": "topic 'undeclared' is not in emits",
        "type": "EmitError",
    }
    uncaught = orchestrator.run("callback_errors.step.py", 4, {"rethrow": True})["e"]
    assert uncaught["name"] == "EmitError"
    assert "EmitError: topic 'undeclared'" in uncaught["stack"]


def test_wrong_arguments_are_a_handler_error(orchestrator: Orchestrator) -> None:
    orchestrator.load("same_a.step.py")
    error = orchestrator.run("same_a.step.py", 1)["e"]  # an event handler called like a cron
    assert error["name"] == "TypeError"


def test_cancel_stops_the_task(orchestrator: Orchestrator) -> None:
    orchestrator.load("waits.step.py")
    slow = orchestrator.invoke("waits.step.py", 21, {"key": 1, "sleep": 30})
    started = time.monotonic()
    orchestrator.note("cancel", {"iid": 21})
    assert orchestrator.response(slow)["e"]["name"] == "Cancelled"
    assert time.monotonic() - started < 2
    assert orchestrator.run("waits.step.py", 22, {"key": 1})["ok"]  # the runner carries on
    assert not any(c["p"]["iid"] == 21 for c in orchestrator.calls)


# Process life -------------------------------------------------------------------------------


def test_shutdown_waits_for_in_flight_invocations(orchestrator: Orchestrator) -> None:
    orchestrator.load("waits.step.py")
    orchestrator.hold = True
    invoked = orchestrator.invoke("waits.step.py", 1, {"key": 1})
    orchestrator.wait_until(lambda: len(orchestrator.held) == 1)
    shutdown = orchestrator.request("shutdown", {})
    refused = orchestrator.invoke("waits.step.py", 2, {"key": 1})
    assert orchestrator.response(refused)["e"]["name"] == "ShuttingDown"
    assert shutdown not in orchestrator.responses
    orchestrator.answer(orchestrator.held[0])
    assert orchestrator.response(invoked)["ok"]
    assert orchestrator.response(shutdown) == {"t": "res", "id": shutdown, "ok": True, "r": None}
    assert orchestrator.process.wait(timeout=5) == 0


def test_exits_at_stdin_eof_even_with_a_blocked_thread(orchestrator: Orchestrator) -> None:
    orchestrator.load("sync_counter.step.py")
    orchestrator.hold = True
    orchestrator.invoke("sync_counter.step.py", 1, {"key": "a", "by": 1})
    orchestrator.wait_until(lambda: len(orchestrator.held) == 1)
    started = time.monotonic()
    assert orchestrator.close() == 0
    assert time.monotonic() - started < 2


def test_garbage_on_stdin_ends_the_runner(orchestrator: Orchestrator) -> None:
    """Text where a frame length belongs reads as a length over 64 MiB: no later frame
    boundary can be trusted."""
    assert orchestrator.process.stdin is not None
    orchestrator.process.stdin.write(b"hello, runner\n")
    orchestrator.process.stdin.flush()
    assert orchestrator.process.wait(timeout=5) == 1


def test_an_undecodable_request_is_answered_and_the_runner_keeps_serving(
    orchestrator: Orchestrator,
) -> None:
    """The length prefix lets the runner skip exactly the bad frame; its id is read from
    the head ({t, id, m} come first), so the orchestrator's call fails at once instead
    of the runner exiting (issue 15, item 2)."""
    assert orchestrator.process.stdin is not None
    pid = orchestrator.process.pid
    # A request whose map announces a `p` that never comes.
    body = b"\x84\xa1t\xa3req\xa2id\x2a\xa1m\xa4ping"
    orchestrator.process.stdin.write(len(body).to_bytes(4) + body)
    orchestrator.process.stdin.flush()
    error = orchestrator.response(42)["e"]
    assert error["name"] == "BadFrame" and "request 42 (ping)" in error["message"]
    assert orchestrator.call("ping", "still here")["r"] == "still here"
    assert orchestrator.process.poll() is None and orchestrator.process.pid == pid


def test_a_bad_command_line_exits_2(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(RUNNER_DIR)}
    for args in ([], ["--project", str(project / "missing")]):
        command = [sys.executable, "-m", "steppe_runner", *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=10)
        assert done.returncode == 2, done.stderr
        assert "--project" in done.stderr


def test_echo_program(project: Path) -> None:
    echo = Orchestrator(project, module="steppe_runner.echo")
    params = {"iid": 1, "nested": {"list": [1, 2.5, None, "ü"]}}
    ids = [echo.request("anything", params) for _ in range(50)]
    for request_id in ids:
        assert echo.response(request_id) == {"t": "res", "id": request_id, "ok": True, "r": params}
    assert echo.close() == 0
