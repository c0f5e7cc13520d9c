"""Atomic update operations from a Motia 1.0 step: `stateManager.update(group, key, ops)`
with set, merge, increment, decrement and remove, returning `{new_value, old_value}`
(docs/content/docs/advanced-features/atomic-updates.mdx; Motia 1.0
`motia-js/packages/motia/src/new/state.ts`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import trio

from tests.motia1.fixture import served_fixture


async def test_update_ops_and_the_values_they_return(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        before = {"total": 10, "draft": "MOCK", "preferences": {"lang": "en"}}
        await services.env.state.set("visits", "home", before)
        answer = await client.post("/visits/home", json={"visitor": "ann", "theme": "dark"})
        assert answer.status_code == 200, answer.text
        after = {"total": 11, "lastVisitor": "ann", "preferences": {"lang": "en", "theme": "dark"}}
        assert answer.json() == {"new_value": after, "old_value": before}
        first = await client.post("/visits/new", json={"visitor": "bo", "theme": "light"})
        assert first.json() == {
            "new_value": {"total": 1, "lastVisitor": "bo", "preferences": {"theme": "light"}},
            "old_value": None,
        }


async def test_concurrent_updates_lose_nothing(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):

        async def visit() -> None:
            answer = await client.post("/visits/busy", json={"visitor": "x", "theme": "t"})
            assert answer.status_code == 200

        async with trio.open_nursery() as nursery:
            for _ in range(50):
                nursery.start_soon(visit)
        assert (await services.env.state.get("visits", "busy"))["total"] == 50


async def test_update_ops_on_a_stream_item(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        first = await client.post("/deployments/d-1/advance")
        assert first.status_code == 200, first.text
        assert first.json() == {
            "new_value": {"id": "d-1", "completedSteps": 1, "status": "progress"},
            "old_value": None,
        }
        second = await client.post("/deployments/d-1/advance")
        assert second.json()["new_value"]["completedSteps"] == 2
        assert second.json()["old_value"] == first.json()["new_value"]


async def test_update_ops_from_python_and_ruby(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        before = {"count": 1, "points": 1, "scratch": "MOCK", "meta": {"v": 1}}
        for group, key in (("tally", "k"), ("score", "k")):
            await services.env.state.set(group, key, before)
        tally = await client.post("/py/tally/k")
        assert tally.status_code == 200, tally.text
        assert tally.json() == {
            "new_value": {
                "count": 3,
                "points": 1,
                "status": "counted",
                "meta": {"v": 1, "by": "python"},
            },
            "old_value": before,
        }
        score = await client.post("/rb/score/k")
        assert score.status_code == 200, score.text
        assert score.json() == {
            "new_value": {
                "count": 1,
                "points": 4,
                "status": "scored",
                "meta": {"v": 1, "by": "ruby"},
            },
            "old_value": before,
        }
