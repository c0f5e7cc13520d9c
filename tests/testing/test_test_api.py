"""The test API (orchestrator/http/admin/testing.py) that the JS tester and the Ruby
helper drive, served only where a test run attached its bench (orchestrator/testing/
bench.py); the harness project is tests/fixtures/testing/harness."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestrator.testing.bench import open_bench
from tests.helpers import serving
from tests.testing.support import FIXTURES

API = "/__steppe/api/testing"


async def test_a_server_without_a_test_run_has_no_test_api(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(copy_from=FIXTURES / "harness")
    async with serving(project) as (services, client):
        await services.env.state.set("keep", "me", 1)
        response = await client.post(f"{API}/reset")
        assert response.status_code == 404
        assert response.json()["error"] == "the test API is served only by `steppe test`"
        assert await services.env.state.get("keep", "me") == 1


async def test_reset_empties_state_streams_and_dead_letters_and_the_journals(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(copy_from=FIXTURES / "harness")
    async with serving(project) as (services, client), open_bench(services):
        await client.post("/hello", json={"name": "boom"})  # dead-lettered after a retry
        await client.post("/notes/b", json={"id": "n", "text": "t"})
        assert (await client.post(f"{API}/idle", json={"timeout": 10})).json() == {"idle": True}
        events = (await client.get(f"{API}/events")).json()
        assert [e["topic"] for e in events["events"]] == ["hello.said"]
        assert (await client.get(f"{API}/logs")).json()["entries"]
        assert await services.bus.store.dead_letters()

        assert (await client.post(f"{API}/reset")).json() == {"reset": True}

        assert await services.env.state.groups() == []
        assert await services.bus.store.dead_letters() == []
        streams = services.env.streams
        assert streams is not None
        notes = services.runtime.project.streams["notes"]
        assert await streams.get_group(notes, "b") == []
        # Cursors keep counting: a reader that had seen one event sees nothing twice.
        after = (await client.get(f"{API}/events", params={"since": events["next"]})).json()
        assert after == {"events": [], "next": events["next"]}
        assert (await client.get(f"{API}/logs")).json()["entries"] == []


async def test_emit_publishes_under_the_given_trace_and_is_captured(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(copy_from=FIXTURES / "harness")
    async with serving(project) as (services, client), open_bench(services):
        event = {"topic": "hello.said", "data": {"name": "x"}, "traceId": "t-1", "flows": ["f"]}
        answer = await client.post(f"{API}/emit", json=event)
        assert answer.status_code == 202
        assert answer.json() == {"traceId": "t-1"}
        await client.post(f"{API}/idle", json={})
        captured = (await client.get(f"{API}/events")).json()["events"]
        said = {"topic": "hello.said", "data": {"name": "x"}, "traceId": "t-1", "flows": ["f"]}
        counted = {"topic": "hello.counted", "data": {"total": 1}, "traceId": "t-1"}
        assert captured == [said, {**counted, "flows": ["greetings"]}]
        refused = await client.post(f"{API}/emit", json={"topic": "flaky.try", "flows": "f"})
        assert refused.status_code == 400
        assert (await client.post(f"{API}/emit", json={"data": 1})).status_code == 400


async def test_run_answers_what_steppe_run_prints_or_the_steps_error(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(copy_from=FIXTURES / "harness")
    async with serving(project) as (services, client), open_bench(services):
        ran = await client.post(f"{API}/run", json={"step": "Count", "data": {"name": "a"}})
        run = ran.json()
        assert run["step"] == "Count"
        assert run["emits"] == [{"topic": "hello.counted", "data": {"total": 1}}]
        assert run["stateWrites"] == [{"op": "set", "group": "counts", "key": "total", "value": 1}]
        assert await services.env.state.groups() == []  # recorded, not written

        threw = await client.post(f"{API}/run", json={"step": "Count", "data": {"name": "boom"}})
        assert threw.status_code == 500
        assert threw.json()["name"] == "ValueError"
        assert "count_step.py" in threw.json()["stack"]
        missing = await client.post(f"{API}/run", json={"step": "Nope"})
        assert missing.status_code == 404
        assert "no step named 'Nope'" in missing.json()["error"]
        bad = await client.post(f"{API}/run", json={"step": "Hello", "params": {"id": 1}})
        assert bad.status_code == 400


async def test_idle_answers_504_when_events_outlast_the_timeout(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(copy_from=FIXTURES / "harness")
    async with serving(project) as (services, client), open_bench(services):
        await client.post(f"{API}/emit", json={"topic": "flaky.try", "data": {}})
        slow = await client.post(f"{API}/idle", json={"timeout": 0.05})  # retry in 400 ms
        assert slow.status_code == 504
        assert (await client.post(f"{API}/idle", json={"timeout": 5})).status_code == 200
        assert await services.env.state.get("flaky", "done") is True
        assert (await client.post(f"{API}/idle", json={"timeout": -1})).status_code == 400
