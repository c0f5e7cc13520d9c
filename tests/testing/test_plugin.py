"""The pytest plugin's `steppe` fixture (orchestrator/testing/plugin.py,
docs/reference.md §13), as a user's test suite meets it: a project
(tests/fixtures/testing/harness) and the user's tests below, run once by pytest in
a process of its own; each test here checks what one of those tests showed.

The captured-event shape is Motia's `CapturedEvent` (packages/test/src/types.ts at
v0.17.14-beta.196): the published `Event` without logger and tracer, `flows` being
the emitting step's (packages/core/src/call-step-file.ts).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.testing.suites import plugin_args
from tests.testing.support import copy_fixture

USER_TESTS = """
import pytest

def test_a_flow_is_captured(steppe):
    counted = steppe.watch("hello.counted")
    said = steppe.watch("hello.said")
    response = steppe.post("/hello", {"name": "ada"})
    assert response.status == 200 and response.status_code == 200
    steppe.wait_idle()
    trace = response.body["traceId"]
    assert said.events == [
        {"topic": "hello.said", "data": {"name": "ada"}, "traceId": trace, "flows": ["greetings"]}
    ]
    assert counted.last == {
        "topic": "hello.counted", "data": {"total": 1}, "traceId": trace, "flows": ["greetings"]
    }
    assert steppe.state.get("counts", "total") == 1
    assert steppe.state.items("hellos") == {"ada": {"name": "ada"}}

def test_isolation_1_leaves_things_behind(steppe):
    steppe.state.set("leftovers", "k", 1)
    steppe.post("/hello", {"name": "boom"})  # dead-lettered after one retry

def test_isolation_2_starts_empty(steppe):
    counted = steppe.watch("hello.counted")
    assert steppe.state.groups() == []
    assert steppe.dead_letters() == []
    assert counted.events == []
    assert steppe.logs() == []

def test_wait_idle_waits_for_retries(steppe):
    steppe.emit("flaky.try", {})
    steppe.wait_idle()  # the first attempt fails; the retry comes 400 ms later
    assert steppe.state.get("flaky", "done") is True
    assert steppe.state.get("flaky", "attempts") == 2

def test_a_failing_flow(steppe):
    steppe.post("/hello", {"name": "boom"})
    steppe.wait_idle()
    assert steppe.state.get("counts", "total") == 1

def test_a_failing_api_step(steppe):
    response = steppe.post("/hello", {"name": "crash"})
    assert response.status == 500
    assert response.body["message"] == "the API step crashed"
    assert response.body["name"] == "TypeError"

def test_emit_keeps_the_given_trace(steppe):
    said = steppe.watch("hello.said")
    trace = steppe.emit("hello.said", {"name": "bo"}, trace_id="trace-from-the-test")
    steppe.wait_idle()
    assert trace == "trace-from-the-test"
    assert said.events == [
        {"topic": "hello.said", "data": {"name": "bo"}, "traceId": "trace-from-the-test"}
    ]
    assert steppe.state.get("counts", "total") == 1

def test_one_step_alone(steppe):
    run = steppe.run("Count", {"name": "x"})
    assert run["emits"] == [{"topic": "hello.counted", "data": {"total": 1}}]
    assert run["stateWrites"] == [{"op": "set", "group": "counts", "key": "total", "value": 1}]
    assert steppe.state.groups() == []  # the run's state is its own

def test_one_step_alone_that_throws(steppe):
    from orchestrator.core.errors import RemoteError
    with pytest.raises(RemoteError, match="cannot count 'boom'"):
        steppe.run("Count", {"name": "boom"})

SERVERS = []

def test_one_server_1(steppe):
    SERVERS.append(steppe.url)

def test_one_server_2(steppe):
    assert SERVERS == [steppe.url]

def test_streams(steppe):
    assert steppe.post("/notes/b1", {"id": "n1", "text": "hi"}).status == 201
    assert steppe.streams.get_group("notes", "b1") == [{"id": "n1", "text": "hi"}]
    steppe.streams.set("notes", "b1", "n2", {"text": "yo"})
    assert steppe.streams.get("notes", "b1", "n2") == {"id": "n2", "text": "yo"}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The user's suite, run once: {test name: outcome}, and "output" the whole output."""
    project = copy_fixture("harness", tmp_path_factory.mktemp("harness") / "project")
    (project / "tests").mkdir()
    (project / "tests" / "test_user.py").write_text(USER_TESTS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), "-rA", "-p", "no:cacheprovider",
         "tests/test_user.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    found = re.findall(r"^(PASSED|FAILED|ERROR) tests/test_user.py::(\w+)", result.stdout, re.M)
    outcomes = {name: outcome for outcome, name in found}
    return {**outcomes, "output": result.stdout + result.stderr}


@pytest.mark.parametrize(
    "name",
    [
        "test_a_flow_is_captured",
        "test_isolation_2_starts_empty",
        "test_wait_idle_waits_for_retries",
        "test_a_failing_api_step",
        "test_emit_keeps_the_given_trace",
        "test_one_step_alone",
        "test_one_step_alone_that_throws",
        "test_streams",
        "test_one_server_2",
    ],
)
def test_the_users_test_passes(run: dict[str, str], name: str) -> None:
    assert run.get(name) == "PASSED", run["output"]


def test_a_failing_flow_fails_the_test_with_the_steps_error_and_its_trace_logs(
    run: dict[str, str],
) -> None:
    assert run.get("test_a_failing_flow") == "FAILED", run["output"]
    report = run["output"].split("_ test_a_failing_flow _", 1)[1].split("_ test_", 1)[0]
    assert "assert None == 1" in report
    logs = report.split("steppe: logs of the test's traces", 1)[1]
    assert "POST /hello → 200" in logs
    assert "ERROR Count: event Count error" in logs
    assert "ValueError: Count cannot count 'boom'" in logs
    assert 'count_step.py", line 13, in handler' in logs  # the stack, in full
    assert "failed 2 times and was dead-lettered" in logs


def test_a_project_that_does_not_load_fails_each_test_naming_the_file(
    tmp_path: Path,
) -> None:
    project = copy_fixture("harness", tmp_path / "project")
    (project / "steps" / "broken.step.ts").write_text("export const config = {type: 'api'\n")
    (project / "test_it.py").write_text(
        "def test_a(steppe):\n    pass\n\ndef test_b(steppe):\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), "-q", "-p", "no:cacheprovider",
         "test_it.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert "2 errors" in result.stdout
    assert "ProjectBroken: the project has files that do not load" in result.stdout
    assert "steps/broken.step.ts" in result.stdout
