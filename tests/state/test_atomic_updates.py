"""Motia 1.0's `state.update/list/listGroups` and `streams.<name>.update/list/listGroups`
from handlers in all four languages, through the real server and runners
(docs/reference.md §3, §5).

What 1.0 does is read from MotiaDev/motia: the calls in
frameworks/motia/motia-js/packages/motia/src/new/state.ts and new/stream.ts (and
motia-py's state.py, streams.py), the op shapes in sdk/packages/node/iii/src/stream.ts
(`UpdateOp`), what each op does and the `{old_value, new_value}` answer in
engine/src/builtins/kv.rs `update`, and a stream update's create/update message in
engine/src/modules/stream/stream.rs `update`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from orchestrator.wiring.server import Services
from tests.helpers import serving, step_error, step_result
from tests.streams.helpers import event_of, socket, ws_url

PROJECT = Path(__file__).parent / "project"
LANGUAGES = ("ts", "js", "py", "rb")
INCREMENT = [{"type": "increment", "path": "count", "by": 1}]


@pytest.fixture(params=["memory", "sqlite"])
async def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """The project served with state (and streams) in memory, or in SQLite files."""
    async with serving(PROJECT, state=request.param, data_dir=str(tmp_path / "data")) as (
        services,
        client,
    ):
        yield services, client


async def call(client: httpx.AsyncClient, lang: str, **body: Any) -> Any:
    """Run one operation in `lang`'s handler; its result."""
    return await step_result(client, f"/atomic/{lang}", **body)


async def call_error(client: httpx.AsyncClient, lang: str, **body: Any) -> dict[str, str]:
    """Run an operation that must fail; the error the handler caught, `{name, message}`."""
    return await step_error(client, f"/atomic/{lang}", **body)


async def test_1000_concurrent_increments_from_four_languages_lose_none(
    served: tuple[Services, httpx.AsyncClient],
) -> None:
    """Each language's handler fires 250 `increment` updates of one key at once (JS/TS
    Promise.all, Python asyncio.gather, Ruby threads), all four handlers at the same time."""
    services, client = served
    answers: dict[str, list[Any]] = {}

    async def fan(lang: str) -> None:
        answers[lang] = await call(
            client, lang, op="fan", group="counters", key="hits", ops=INCREMENT, count=250
        )

    async with trio.open_nursery() as nursery:
        for lang in LANGUAGES:
            nursery.start_soon(fan, lang)
    assert await services.env.state.get("counters", "hits") == {"count": 1000}
    # Every update read the value the one before it wrote: the 1,000 old values are
    # exactly "missing", 1, 2, ... 999, and each new value is its old one plus one.
    results = [result for lang in LANGUAGES for result in answers[lang]]
    olds = sorted(-1 if r["old_value"] is None else r["old_value"]["count"] for r in results)
    assert olds == [-1, *range(1, 1000)]
    for r in results:
        before = 0 if r["old_value"] is None else r["old_value"]["count"]
        assert r["new_value"] == {"count": before + 1}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_update_op_list_and_list_groups(
    served: tuple[Services, httpx.AsyncClient], lang: str
) -> None:
    services, client = served
    group = f"orders-{lang}"
    first = await call(
        client,
        lang,
        op="update",
        group=group,
        key="o-1",
        ops=[{"type": "set", "path": "status", "value": "new"}],
    )
    assert first == {"old_value": None, "new_value": {"status": "new"}}
    await services.env.state.set(
        group, "o-1", {"status": "new", "steps": 0, "retries": 3, "tmp": 1}
    )
    second = await call(
        client,
        lang,
        op="update",
        group=group,
        key="o-1",
        ops=[
            {"type": "increment", "path": "steps", "by": 2},
            {"type": "decrement", "path": "retries", "by": 1},
            {"type": "set", "path": "status", "value": "shipped"},
            {"type": "merge", "value": {"carrier": "dhl", "steps": 5}},
            {"type": "remove", "path": "tmp"},
        ],
    )
    after = {"status": "shipped", "steps": 5, "retries": 2, "carrier": "dhl"}
    assert second == {
        "old_value": {"status": "new", "steps": 0, "retries": 3, "tmp": 1},
        "new_value": after,
    }
    assert await services.env.state.get(group, "o-1") == after
    await call(client, lang, op="update", group=group, key="o-2", ops=INCREMENT)
    assert await call(client, lang, op="list", group=group) == [after, {"count": 1}]
    assert await call(client, lang, op="list", group="nothing-here") == []
    assert group in await call(client, lang, op="listGroups")
    assert await call(client, lang, op="listGroups") == await services.env.state.groups()


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_bad_op_is_a_validation_error_and_changes_nothing(
    served: tuple[Services, httpx.AsyncClient], lang: str
) -> None:
    services, client = served
    await services.env.state.set("g", "k", {"n": 1, "text": "x"})
    unknown = await call_error(
        client, lang, op="update", group="g", key="k", ops=[{"type": "multiply", "path": "n"}]
    )
    assert unknown["name"] == "ValidationError"
    assert "state.update('g', 'k'): ops[0]: type must be one of" in unknown["message"]
    misfit = await call_error(
        client,
        lang,
        op="update",
        group="g",
        key="k",
        ops=[*INCREMENT, {"type": "merge", "path": "text", "value": {"a": 1}}],
    )
    assert "ops[1]" in misfit["message"] and "not an object" in misfit["message"]
    not_a_list = await call_error(client, lang, op="update", group="g", key="k", ops={"n": 1})
    assert "ops must be a list" in not_a_list["message"]
    assert await services.env.state.get("g", "k") == {"n": 1, "text": "x"}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_stream_update_list_and_list_groups_reach_subscribers(
    served: tuple[Services, httpx.AsyncClient], lang: str
) -> None:
    services, client = served
    where = {"stream": "counters", "groupId": "room", "id": "c"}
    async with socket(ws_url(services)) as ws:
        await ws.join("counters", "room")
        assert event_of(await ws.next()) == ("sync", [])
        created = await call(client, lang, op="streamUpdate", ops=INCREMENT, **where)
        assert created == {"old_value": None, "new_value": {"count": 1, "id": "c"}}
        assert event_of(await ws.next()) == ("create", {"count": 1, "id": "c"})
        updated = await call(
            client,
            lang,
            op="streamUpdate",
            ops=[*INCREMENT, {"type": "set", "path": "label", "value": "two"}],
            **where,
        )
        assert updated == {
            "old_value": {"count": 1, "id": "c"},
            "new_value": {"count": 2, "id": "c", "label": "two"},
        }
        assert event_of(await ws.next()) == ("update", {"count": 2, "id": "c", "label": "two"})

        refused = await call_error(
            client,
            lang,
            op="streamUpdate",
            ops=[{"type": "set", "path": "label", "value": 5}],
            **where,
        )
        assert refused["name"] == "ValidationError"
        assert "streams.counters.update" in refused["message"] and "label" in refused["message"]
        await ws.nothing_for(0.05)

    assert await call(client, lang, op="streamList", stream="counters", groupId="room") == [
        {"count": 2, "id": "c", "label": "two"}
    ]
    await call(client, lang, op="streamUpdate", ops=INCREMENT, **{**where, "groupId": "hall"})
    groups = await call(client, lang, op="streamListGroups", stream="counters")
    assert groups == ["hall", "room"]


async def test_a_value_in_an_update_is_held_to_max_json_depth_like_a_set() -> None:
    """A value `max_json_depth` deep may be stored by `update` as by `set`; one deeper
    is refused (services/context.py counts the levels `{ops: [{value}]}` adds)."""
    async with serving(PROJECT) as (services, client):
        await call(client, "ts", op="deep", group="deep", key="k", count=100)
        stored = (await services.env.state.get("deep", "k"))["v"]
        for _ in range(99):
            stored = stored[0]
        assert stored == []
        error = await call_error(client, "ts", op="deep", group="deep", key="k", count=101)
        assert "state.update: the value is nested deeper than 100 levels" in error["message"]
