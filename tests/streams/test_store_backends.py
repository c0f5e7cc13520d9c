"""The suite every stream store passes (docs/reference.md §5): memory, SQLite and Redis alike.

Time is passed in (`now`), so expiry is tested without sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSONMap
from orchestrator.stores.redis_worker import open_redis_worker
from orchestrator.stores.streams import MemoryStreamStore, StreamStore, open_sqlite_streams
from orchestrator.stores.streams.redis import RedisStreamStore
from orchestrator.stores.update_ops import UpdateOp, parse_ops
from tests.redis_server import RedisServer

T0 = 1_000_000.0


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StreamStore]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        async with open_redis_worker(server.url, server.prefix()) as worker:
            yield RedisStreamStore(worker)
    elif request.param == "memory":
        memory = MemoryStreamStore()
        yield memory
        await memory.aclose()
    else:
        async with open_sqlite_streams(tmp_path / ".steppe" / "streams.db") as sqlite:
            yield sqlite


def item(item_id: str, **data: object) -> dict[str, object]:
    return {**data, "id": item_id}


async def test_missing_items_and_groups(store: StreamStore) -> None:
    assert await store.get("s", "g", "nope", T0) is None
    assert await store.get_group("s", "g", T0) == []
    assert await store.delete("s", "g", "nope", T0) is None


async def test_set_creates_then_updates_and_get_reads(store: StreamStore) -> None:
    first = await store.set("s", "g", item("a", text="one"), now=T0)
    assert first.created and first.old is None and first.evicted == []
    assert await store.get("s", "g", "a", T0) == {"text": "one", "id": "a"}
    second = await store.set("s", "g", item("a", text="two"), now=T0)
    # The item replaced, read in the same step (Motia 1.0's set answers {new_value, old_value}).
    assert not second.created and second.old == {"text": "one", "id": "a"}
    assert await store.get("s", "g", "a", T0) == {"text": "two", "id": "a"}


async def test_a_group_lists_by_creation_and_an_update_keeps_the_place(
    store: StreamStore,
) -> None:
    for name in ("c", "a", "b"):
        await store.set("s", "g", item(name, v=0), now=T0)
    await store.set("s", "g", item("c", v=1), now=T0)
    assert [i["id"] for i in await store.get_group("s", "g", T0)] == ["c", "a", "b"]
    assert (await store.get_group("s", "g", T0))[0] == {"v": 1, "id": "c"}


async def test_delete_returns_the_last_value(store: StreamStore) -> None:
    await store.set("s", "g", item("a", text="x"), now=T0)
    assert await store.delete("s", "g", "a", T0) == {"text": "x", "id": "a"}
    assert await store.get("s", "g", "a", T0) is None
    assert await store.get_group("s", "g", T0) == []


async def test_streams_groups_and_ids_never_collide(store: StreamStore) -> None:
    await store.set("s", "g1", item("same", at="s/g1"), now=T0)
    await store.set("s", "g2", item("same", at="s/g2"), now=T0)
    await store.set("t", "g1", item("same", at="t/g1"), now=T0)
    await store.set("s", "g1:x", item("other", at="s/g1:x"), now=T0)
    assert (await store.get("s", "g1", "same", T0) or {})["at"] == "s/g1"
    assert (await store.get("s", "g2", "same", T0) or {})["at"] == "s/g2"
    assert (await store.get("t", "g1", "same", T0) or {})["at"] == "t/g1"
    assert [i["at"] for i in await store.get_group("s", "g1", T0)] == ["s/g1"]
    await store.delete("s", "g1", "same", T0)
    assert await store.get("s", "g2", "same", T0) is not None


async def test_odd_names_and_values_round_trip(store: StreamStore) -> None:
    value = {
        "text": 'naïve ☃ 日本語 🚀 "q" \\',
        "nested": {"a": [1, None, True, 2.5]},
        "big": 2**53,
    }
    for name in ("a:b", "100%", "", " spaced ", "line\nbreak", "🚀"):
        await store.set(name, name, item(name, **value), now=T0)
        assert await store.get(name, name, name, T0) == item(name, **value)


async def test_expired_items_read_as_missing(store: StreamStore) -> None:
    await store.set("s", "g", item("old", n=1), now=T0, expires_at=T0 + 10)
    await store.set("s", "g", item("forever", n=2), now=T0)
    assert await store.get("s", "g", "old", T0 + 9.9) is not None
    assert await store.get("s", "g", "old", T0 + 10) is None
    assert [i["id"] for i in await store.get_group("s", "g", T0 + 11)] == ["forever"]
    assert await store.delete("s", "g", "old", T0 + 11) is None


async def test_setting_an_expired_item_creates_it_again_at_the_end(store: StreamStore) -> None:
    await store.set("s", "g", item("a", n=1), now=T0, expires_at=T0 + 1)
    await store.set("s", "g", item("b", n=2), now=T0)
    again = await store.set("s", "g", item("a", n=3), now=T0 + 2, expires_at=T0 + 3)
    assert again.created and again.old is None
    assert [i["id"] for i in await store.get_group("s", "g", T0 + 2)] == ["b", "a"]


async def test_expire_removes_and_returns_what_is_due(store: StreamStore) -> None:
    assert await store.next_expiry() is None
    await store.set("s", "g1", item("a", n=1), now=T0, expires_at=T0 + 5)
    await store.set("s", "g1", item("b", n=2), now=T0, expires_at=T0 + 1)
    await store.set("s", "g2", item("c", n=3), now=T0, expires_at=T0 + 2)
    await store.set("s", "g3", item("d", n=4), now=T0)
    assert await store.next_expiry() == T0 + 1
    assert await store.expired_groups(T0 + 0.5) == []
    assert await store.expired_groups(T0 + 2) == [("s", "g1"), ("s", "g2")]
    assert await store.expire("s", "g1", T0 + 2) == [item("b", n=2)]
    assert await store.expire("s", "g2", T0 + 2) == [item("c", n=3)]
    assert await store.expired_groups(T0 + 2) == []
    assert await store.next_expiry() == T0 + 5
    assert [i["id"] for i in await store.get_group("s", "g1", T0 + 2)] == ["a"]


async def test_a_later_set_moves_the_expiry(store: StreamStore) -> None:
    await store.set("s", "g", item("a", n=1), now=T0, expires_at=T0 + 1)
    await store.set("s", "g", item("a", n=2), now=T0 + 0.5, expires_at=T0 + 10)
    assert await store.get("s", "g", "a", T0 + 5) == item("a", n=2)
    await store.set("s", "g", item("a", n=3), now=T0 + 6)
    assert await store.next_expiry() is None


async def test_max_items_keeps_the_newest_and_returns_the_evicted(store: StreamStore) -> None:
    for n in range(3):
        outcome = await store.set("s", "g", item(f"i{n}", n=n), now=T0, max_items=3)
        assert outcome.evicted == []
    outcome = await store.set("s", "g", item("i3", n=3), now=T0, max_items=3)
    assert outcome.created and outcome.evicted == [item("i0", n=0)]
    # An update is not a new item: nothing is pushed out.
    assert (await store.set("s", "g", item("i1", n=10), now=T0, max_items=3)).evicted == []
    outcome = await store.set("s", "g", item("i4", n=4), now=T0, max_items=2)
    assert outcome.evicted == [item("i1", n=10), item("i2", n=2)]
    assert [i["id"] for i in await store.get_group("s", "g", T0)] == ["i3", "i4"]
    # Other groups are counted apart.
    assert (await store.set("s", "other", item("x", n=0), now=T0, max_items=1)).evicted == []


async def test_expired_items_do_not_count_against_max_items(store: StreamStore) -> None:
    await store.set("s", "g", item("old", n=0), now=T0, expires_at=T0 + 1)
    await store.set("s", "g", item("a", n=1), now=T0 + 2, max_items=1)
    outcome = await store.set("s", "g", item("b", n=2), now=T0 + 2, max_items=1)
    assert outcome.evicted == [item("a", n=1)]


async def test_list_groups_counts_live_items_per_group(store: StreamStore) -> None:
    assert await store.list_groups("s", T0) == {}
    for group, n in (("b", 2), ("a", 1), ("c", 3)):
        for i in range(n):
            await store.set("s", group, item(f"{group}{i}"), now=T0)
    await store.set("s", "a", item("short", n=0), now=T0, expires_at=T0 + 1)
    await store.set("s", "gone", item("x"), now=T0, expires_at=T0 + 1)
    await store.set("other", "z", item("y"), now=T0)  # another stream's group
    listed = await store.list_groups("s", T0)
    assert listed == {"a": 2, "b": 2, "c": 3, "gone": 1}
    assert list(listed) == ["a", "b", "c", "gone"]
    # Expired items are not counted, and a group holding only expired ones is left out.
    assert await store.list_groups("s", T0 + 1) == {"a": 1, "b": 2, "c": 3}
    assert await store.list_groups("s", T0 + 1, limit=2) == {"a": 1, "b": 2}
    await store.delete("s", "b", "b0", T0 + 1)
    await store.delete("s", "b", "b1", T0 + 1)
    assert await store.list_groups("s", T0 + 1) == {"a": 1, "c": 3}


async def test_the_stored_value_is_a_copy(store: StreamStore) -> None:
    original = item("a", tags=["x"])
    await store.set("s", "g", original, now=T0)
    original["tags"].append("changed")  # type: ignore[attr-defined]
    read = await store.get("s", "g", "a", T0)
    assert read == item("a", tags=["x"])
    assert read is not None
    read["tags"].append("again")
    assert await store.get("s", "g", "a", T0) == item("a", tags=["x"])


async def test_sqlite_items_survive_a_reopen_until_their_ttl(tmp_path: Path) -> None:
    path = tmp_path / "streams.db"
    async with open_sqlite_streams(path) as first:
        await first.set("s", "g", item("a", n=1), now=T0)
        await first.set("s", "g", item("b", n=2), now=T0, expires_at=T0 + 10)
    async with open_sqlite_streams(path) as second:
        assert [i["id"] for i in await second.get_group("s", "g", T0 + 5)] == ["a", "b"]
        assert [i["id"] for i in await second.get_group("s", "g", T0 + 10)] == ["a"]
        # Creation order continues after a reopen.
        await second.set("s", "g", item("c", n=3), now=T0, max_items=2)
        assert [i["id"] for i in await second.get_group("s", "g", T0)] == ["b", "c"]


# Motia 1.0's `update` (orchestrator/stores/update_ops.py; MotiaDev/motia
# engine/src/modules/stream/stream.rs `update` publishes create or update by old_value).


def ops(*raw: dict[str, object]) -> list[UpdateOp]:
    return parse_ops(list(raw), "test")


async def test_update_of_a_missing_item_creates_it_with_its_id(store: StreamStore) -> None:
    outcome = await store.update(
        "s", "g", "a", ops({"type": "increment", "path": "n", "by": 1}), now=T0
    )
    assert outcome.created and outcome.old is None
    assert outcome.new == {"n": 1, "id": "a"}
    assert await store.get("s", "g", "a", T0) == {"n": 1, "id": "a"}
    assert await store.list_groups("s", T0) == {"g": 1}


async def test_update_keeps_the_place_and_the_id_whatever_the_ops_do(store: StreamStore) -> None:
    for name in ("a", "b"):
        await store.set("s", "g", item(name, n=0), now=T0)
    outcome = await store.update(
        "s",
        "g",
        "a",
        ops(
            {"type": "set", "path": "text", "value": "hi"},
            {"type": "increment", "path": "n", "by": 5},
            {"type": "remove", "path": "id"},
        ),
        now=T0,
    )
    assert not outcome.created
    assert outcome.old == {"n": 0, "id": "a"}
    assert outcome.new == {"n": 5, "text": "hi", "id": "a"}
    assert [i["id"] for i in await store.get_group("s", "g", T0)] == ["a", "b"]


async def test_a_refused_update_stores_nothing(store: StreamStore) -> None:
    await store.set("s", "g", item("a", n=1), now=T0)

    def refuse(new: JSONMap) -> None:
        raise CallbackError("ValidationError", f"no: {new['n']}")

    with pytest.raises(CallbackError, match="no: 2"):
        await store.update(
            "s", "g", "a", ops({"type": "increment", "path": "n", "by": 1}), now=T0, check=refuse
        )
    with pytest.raises(CallbackError, match="must be an object"):
        await store.update("s", "g", "a", ops({"type": "set", "path": "", "value": 3}), now=T0)
    assert await store.get("s", "g", "a", T0) == {"n": 1, "id": "a"}
    with pytest.raises(CallbackError):
        await store.update("s", "g", "new", ops({"type": "set", "path": "", "value": []}), now=T0)
    assert await store.get("s", "g", "new", T0) is None


async def test_update_of_an_expired_item_starts_again_with_its_ttl_and_max_items(
    store: StreamStore,
) -> None:
    await store.set("s", "g", item("a", n=7), now=T0, expires_at=T0 + 1)
    await store.set("s", "g", item("b", n=1), now=T0)
    outcome = await store.update(
        "s",
        "g",
        "a",
        ops({"type": "increment", "path": "n", "by": 1}),
        now=T0 + 2,
        expires_at=T0 + 5,
        max_items=1,
    )
    assert outcome.created and outcome.new == {"n": 1, "id": "a"}
    assert outcome.evicted == [{"n": 1, "id": "b"}]
    assert await store.get("s", "g", "a", T0 + 4) == {"n": 1, "id": "a"}
    assert await store.get("s", "g", "a", T0 + 6) is None


async def test_concurrent_updates_of_one_item_lose_none(store: StreamStore) -> None:
    increment = ops({"type": "increment", "path": "count", "by": 1})

    async def bump() -> None:
        await store.update("s", "g", "counter", increment, now=T0)

    async with trio.open_nursery() as nursery:
        for _ in range(300):
            nursery.start_soon(bump)
    assert await store.get("s", "g", "counter", T0) == {"count": 300, "id": "counter"}
