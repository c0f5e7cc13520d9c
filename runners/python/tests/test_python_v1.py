"""Motia 1.0 step files in the Python runner: the reported config, `condition:<i>`, the
calls an `invoke` with `trigger` makes, and the ctx additions (runners/README.md,
"Motia 1.0 invocations"; motia-py/packages/motia/src/motia/runtime.py and types.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner_harness import Orchestrator

HTTP = {"type": "http", "index": 0, "method": "POST", "path": "/orders/:id"}
QUEUE = {"type": "queue", "index": 1, "topic": "order.created"}
REQUEST = {
    "pathParams": {"id": "7"},
    "queryParams": {"q": "x"},
    "body": {"verified": True},
    "headers": {"x-token": "ok"},
    "method": "POST",
}


def _emits(orchestrator: Orchestrator, iid: int) -> list[Any]:
    return [c["p"] for c in orchestrator.calls if c["m"] == "emit" and c["p"]["iid"] == iid]


def test_reported_config_of_a_1_0_step(orchestrator: Orchestrator) -> None:
    """Conditions become true, middleware their names, schemas stay JSON Schema, pydantic
    key spellings become Motia's aliases (runtime.py `_sanitize_trigger_metadata`)."""
    loaded = orchestrator.load("v1_orders.step.py")
    assert loaded["ok"], loaded
    assert loaded["r"]["config"]["triggers"] == [
        {
            "type": "http",
            "method": "POST",
            "path": "/orders/:id",
            "bodySchema": {"type": "object"},
            "middleware": ["auth"],
            "condition": True,
        },
        {"type": "queue", "topic": "order.created", "condition": True},
    ]
    assert loaded["r"]["handlers"] == ["handler", "condition:0", "condition:1"]

    plain = orchestrator.load("v1_plain.step.py")
    assert plain["ok"], plain
    config = plain["r"]["config"]
    assert config["virtualEnqueues"] == ["audit"]
    assert config["triggers"][0]["queryParams"] == [{"name": "q"}]
    assert config["triggers"][2] == {"type": "state", "condition": True}
    assert config["triggers"][3] == {"type": "stream", "streamName": "todos", "groupId": "inbox"}
    assert config["triggers"][4]["config"] == {"maxRetries": 2, "type": "fifo"}
    assert plain["r"]["handlers"] == ["handler", "condition:2"]


def test_a_bad_condition_names_the_trigger(orchestrator: Orchestrator, project: Path) -> None:
    (project / "steps" / "bad_v1.step.py").write_text(
        'config = {"name": "Bad", "triggers": [{"type": "cron", "expression": "* * * * *", '
        '"condition": "yes"}]}\ndef handler(i, c): pass\n'
    )
    error = orchestrator.load("bad_v1.step.py")["e"]
    assert "step 'Bad': triggers[0].condition is a str" in error["message"]


def test_http_call_with_middleware_module_and_ctx(orchestrator: Orchestrator) -> None:
    """MotiaHttpArgs (request, response, top-level fields), middleware `(args, ctx, next)`,
    ApiResponse encoded as {status, body, headers}, ctx.match/get_data/trigger."""
    orchestrator.load("v1_orders.step.py")
    answer = orchestrator.run("v1_orders.step.py", 1, {"request": REQUEST}, trigger=HTTP)
    assert answer["ok"], answer
    assert answer["r"]["status"] == 201
    assert answer["r"]["headers"] == {"x-mw": "/orders/:id"}
    assert answer["r"]["body"] == {
        "id": "7",
        "top": {"verified": True},
        "query": {"q": "x"},
        "method": "POST",
        "get": {"id": "7"},
        "trigger": HTTP,
        "is_http": True,
    }
    assert _emits(orchestrator, 1) == [
        {"iid": 1, "topic": "order.processed", "data": {"verified": True}}
    ]
    assert orchestrator.logs(iid=1, source="logger")[0]["fields"] == {"id": "7"}

    refused = {**REQUEST, "headers": {}}
    answer = orchestrator.run("v1_orders.step.py", 2, {"request": refused}, trigger=HTTP)
    assert answer["r"] == {"status": 401, "body": {"error": "no token"}, "headers": {}}


def test_conditions(orchestrator: Orchestrator) -> None:
    """An http condition gets the plain request as an ApiRequest (runtime.py
    `_register_condition`); a queue condition the data; the answer is a bool."""
    orchestrator.load("v1_orders.step.py")
    plain = {k: v for k, v in REQUEST.items() if k != "method"}
    assert orchestrator.run("v1_orders.step.py", 1, plain, "condition:0", HTTP)["r"] is True
    wrapped = {"request": {**plain, "body": {"verified": False}}}
    assert orchestrator.run("v1_orders.step.py", 2, wrapped, "condition:0", HTTP)["r"] is False
    big = {"amount": 5000}
    assert orchestrator.run("v1_orders.step.py", 3, big, "condition:1", QUEUE)["r"] is True
    small = {"amount": 5}
    assert orchestrator.run("v1_orders.step.py", 4, small, "condition:1", QUEUE)["r"] is False


def test_queue_call_and_a_type_nothing_matches(orchestrator: Orchestrator) -> None:
    orchestrator.load("v1_orders.step.py")
    answer = orchestrator.run("v1_orders.step.py", 5, {"amount": 2000}, trigger=QUEUE)
    assert answer["r"] == {"queue": {"amount": 2000}, "topic": "order.created", "path": None}
    assert _emits(orchestrator, 5)[0]["data"] == {"amount": 2000}

    cron = {"type": "cron", "index": 0, "expression": "* * * * *"}
    error = orchestrator.run("v1_orders.step.py", 6, trigger=cron)["e"]
    assert error["name"] == "RuntimeError"
    assert error["message"] == (
        "No handler matched for trigger type: cron. Available handlers: http, queue"
    )


def test_one_argument_sync_handler_and_each_input(orchestrator: Orchestrator) -> None:
    """One-argument handlers get the input alone (a cron one the ctx); state and stream
    inputs are motia-py's StateTriggerInput/StreamTriggerInput with attribute access."""
    orchestrator.load("v1_plain.step.py")
    http = {"type": "http", "index": 0, "method": "GET", "path": "/counts/:key"}
    request = {"pathParams": {"key": "k"}, "queryParams": {}, "headers": {}, "body": None}
    answer = orchestrator.run("v1_plain.step.py", 1, {"request": request}, trigger=http)
    assert answer["r"] == {"status": 200, "body": {"stored": 5}, "headers": {}}
    assert orchestrator.state["counts"] == {"k": 5}

    cron = {"type": "cron", "index": 1, "expression": "0 * * * * *"}
    assert orchestrator.run("v1_plain.step.py", 2, trigger=cron)["r"] == {"context": "FlowContext"}

    state = {"type": "state", "index": 2}
    change = {"type": "state", "group_id": "g", "item_id": "i", "old_value": 1, "new_value": 2}
    assert orchestrator.run("v1_plain.step.py", 3, change, trigger=state)["r"] == {
        "state": ["StateTriggerInput", "g", 2]
    }
    assert orchestrator.run("v1_plain.step.py", 4, change, "condition:2", state)["r"] is True

    stream = {"type": "stream", "index": 3}
    event = {
        "type": "stream",
        "timestamp": 1,
        "streamName": "todos",
        "groupId": "inbox",
        "id": "t1",
        "event": {"type": "create", "data": {"title": "a"}},
    }
    assert orchestrator.run("v1_plain.step.py", 5, event, trigger=stream)["r"] == {
        "stream": ["StreamTriggerInput", "todos", "create", {"title": "a"}]
    }


def test_response_status_and_headers_answer_a_handler_returning_none(
    orchestrator: Orchestrator,
) -> None:
    orchestrator.load("v1_response.step.py")
    http = {"type": "http", "index": 0, "method": "DELETE", "path": "/things/:id"}
    request = {"pathParams": {"id": "9"}, "queryParams": {}, "headers": {}, "body": None}
    answer = orchestrator.run("v1_response.step.py", 1, {"request": request}, trigger=http)
    headers = {"x-root-mw": "1", "x-deleted": "9"}
    assert answer["r"] == {"status": 204, "headers": headers, "body": None}


def test_multi_trigger_step_builder(orchestrator: Orchestrator) -> None:
    loaded = orchestrator.load("v1_builder.step.py")
    assert loaded["ok"], loaded
    assert loaded["r"]["config"]["triggers"][1] == {"type": "cron", "expression": "*/5 * * * *"}
    queue = {"type": "queue", "index": 0, "topic": "b"}
    assert orchestrator.run("v1_builder.step.py", 1, {"x": 1}, trigger=queue)["r"] == {
        "queue": {"x": 1},
        "index": 0,
    }
    cron = {"type": "cron", "index": 1, "expression": "*/5 * * * *"}
    assert orchestrator.run("v1_builder.step.py", 2, trigger=cron)["r"] == {
        "cron": "*/5 * * * *",
        "data": None,
    }


def test_without_trigger_a_1_0_file_is_called_as_0_17(orchestrator: Orchestrator) -> None:
    orchestrator.load("v1_builder.step.py")
    error = orchestrator.run("v1_builder.step.py", 1, {"x": 1})["e"]
    assert error["name"] == "AttributeError"  # a 0.17 ctx has no trigger


def test_motia_py_playground_steps_run_unchanged(orchestrator: Orchestrator) -> None:
    """Copies of motia-py/playground/steps/conditions/mixed_triggers_step.py,
    state_example/on_state_change_step.py and stream_example/on_todo_event_step.py."""
    for name in ("mixed_triggers", "on_state_change", "on_todo_event"):
        loaded = orchestrator.load(f"motia_py_{name}_step.py")
        assert loaded["ok"], loaded
    mixed = "motia_py_mixed_triggers_step.py"
    http = {"type": "http", "index": 1, "method": "POST", "path": "/orders/manual"}
    request = {"pathParams": {}, "queryParams": {}, "headers": {}, "body": {"user": {}}}
    assert orchestrator.run(mixed, 1, request, "condition:1", http)["r"] is False
    verified = {**request, "body": {"user": {"verified": True}}}
    assert orchestrator.run(mixed, 2, verified, "condition:1", http)["r"] is True
    answer = orchestrator.run(mixed, 3, {"request": {**verified, "method": "POST"}}, trigger=http)
    assert answer["r"] == {
        "status": 200,
        "body": {"message": "Order processed via API"},
        "headers": {},
    }
    assert orchestrator.logs(iid=3)[0]["fields"] == {"path": "/orders/manual", "method": "POST"}

    state = {"type": "state", "index": 0}
    change = {
        "type": "state",
        "group_id": "users",
        "item_id": "u1",
        "old_value": {"status": "new"},
        "new_value": {"status": "active"},
    }
    on_state = "motia_py_on_state_change_step.py"
    assert orchestrator.run(on_state, 4, change, "condition:0", state)["r"] is True
    assert orchestrator.run(on_state, 5, change, trigger=state)["ok"]
    assert _emits(orchestrator, 5)[0]["data"] == {
        "user_id": "u1",
        "old_status": "new",
        "new_status": "active",
    }

    event = {
        "type": "stream",
        "timestamp": 1,
        "streamName": "todo",
        "groupId": "inbox",
        "id": "t1",
        "event": {"type": "create", "data": {"title": "a"}},
    }
    stream = {"type": "stream", "index": 0}
    assert orchestrator.run("motia_py_on_todo_event_step.py", 6, event, trigger=stream)["ok"]
    assert orchestrator.logs(iid=6)[1]["msg"] == "New todo created: t1"
