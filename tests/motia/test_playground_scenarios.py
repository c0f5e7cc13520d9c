"""Motia 0.17's playground integration tests, replayed on Steppe.

playground/integration-tests/parallelMerge.spec.ts and simplePython.spec.ts at
v0.17.14-beta.196 post to an API step and watch a topic with `server.watch(topic)`,
then check the response and the captured event `{traceId, topic, flows, data}`. The
steps in tests/motia/playground/src are written as the playground's are
(playground/src/parallelMergeState/*, playground/src/simplePython/*): a TS API step
with a timing middleware, stepA in TS and stepB/stepC as Python `_step.py` files, a
join in TS, a noop start button, and the Python flow whose `enrich_data` middleware
changes the request before the handler sees it.

Two recorder steps stand in for `server.watch`: they keep each delivery's trace id and
data in state. The event's `flows` are its emitter's (Motia's call-step-file.ts puts the
emitting step's flows on it): the step whose span in the trace emitted the topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import serving

PLAYGROUND = Path(__file__).parent / "playground"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def captured(services: Any, client: httpx.AsyncClient, topic: str) -> list[dict[str, Any]]:
    """Every delivery of `topic` as Motia's tester shows it: {traceId, topic, flows, data}."""
    await services.bus.wait_idle()  # Motia's server.waitEvents()
    steps = {s["name"]: s for s in (await client.get("/__steppe/api/steps")).json()}
    events = []
    for item in await services.env.state.get_group(f"captured:{topic}"):
        trace = (await client.get(f"/__steppe/api/traces/{item['traceId']}")).json()
        (emitter,) = {span["step"] for span in trace["spans"] if topic in span["emitted"]}
        flows = steps[emitter]["flows"]
        events.append(
            {"traceId": item["traceId"], "topic": topic, "flows": flows, "data": item["data"]}
        )
    return events


async def test_parallel_merge(make_project: Callable[..., Path]) -> None:
    """parallelMerge.spec.ts: 'should run steps concurrently'."""
    root = make_project(copy_from=PLAYGROUND)
    async with serving(root) as (services, client):
        assert services.runtime.project.errors == []
        response = await client.post(
            "/api/parallel-merge", json={"message": "Start parallel merge test"}
        )
        assert response.status_code == 200
        body = response.json()
        assert body == {"traceId": body["traceId"], "message": "Started parallel merge"}
        assert isinstance(body["traceId"], str)

        (event,) = await captured(services, client, "pms.join.complete")
        data = event.pop("data")
        assert event == {
            "traceId": body["traceId"],
            "topic": "pms.join.complete",
            "flows": ["parallel-merge"],
        }
        assert set(data) == {"mergedAt", "stepA", "stepB", "stepC"}
        assert ISO_DATE.match(data["mergedAt"]), data["mergedAt"]
        for name in ("A", "B", "C"):
            part = data[f"step{name}"]
            assert part == {"msg": f"Hello from Step {name}", "timestamp": part["timestamp"]}
            assert isinstance(part["timestamp"], int)

        # The timing middleware ran around the handler (it logs after next()).
        timed = [e for e in services.env.logs.tail if e["msg"].startswith("Request completed in")]
        assert [(e["step"], e["traceId"]) for e in timed] == [("Parallel Merge", body["traceId"])]
        steps = {s["name"]: s for s in (await client.get("/__steppe/api/steps")).json()}
        assert steps["Parallel Merge"]["config"]["middleware"] == ["timingMiddleware"]


async def test_simple_python(make_project: Callable[..., Path]) -> None:
    """simplePython.spec.ts: the `enrich_data` middleware sets req['enriched'], the
    handler stores it, and 'Test Event' emits it on `tested`."""
    root = make_project(copy_from=PLAYGROUND)
    async with serving(root) as (services, client):
        response = await client.post("/test-python", json={"message": "Start simple python test"})
        assert response.status_code == 200
        assert response.json() == {"message": "payload processed"}

        (event,) = await captured(services, client, "tested")
        assert event == {
            "traceId": response.headers["x-trace-id"],
            "topic": "tested",
            "flows": ["simple-python"],
            "data": {"message": "hello world", "enriched": "yes"},
        }
