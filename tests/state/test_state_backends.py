"""The suite every state backend passes (docs/reference.md §3): memory, SQLite and Redis alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from orchestrator.core.errors import CallbackError
from orchestrator.stores.redis_worker import open_redis_worker
from orchestrator.stores.state import MemoryStateStore, StateStore, open_sqlite_state
from orchestrator.stores.state.redis import RedisStateStore
from orchestrator.stores.update_ops import UpdateOp, parse_ops
from tests.redis_server import RedisServer


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        async with open_redis_worker(server.url, server.prefix()) as worker:
            yield RedisStateStore(worker)
    elif request.param == "memory":
        memory = MemoryStateStore()
        yield memory
        await memory.aclose()
    else:
        async with open_sqlite_state(tmp_path / ".steppe" / "state.db") as sqlite:
            yield sqlite


ODD_NAMES = [
    "a:b",
    "a:b:c",
    "flows/orders/42",
    "100%",
    "a_b",
    "_",
    "%",
    "",
    " spaced ",
    'quote\'s "double"',
    "naïve ☃ 日本語 🚀",
    "line\nbreak\ttab",
    "nul\x00inside",
]

JSON_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**53,
    -(2**53),
    2**53 + 1,
    1.5,
    -0.25,
    1e-300,
    "",
    "text",
    'naïve ☃ 日本語 🚀 "quoted" \\ back\nslash',
    [],
    {},
    [1, "two", None, True, 3.5, [], {}],
    {"a": {"b": [1, {"c": None}]}, "ünï": "☃", "": 0},
]


async def test_missing_key_is_none(store: StateStore) -> None:
    assert await store.get("g", "missing") is None
    assert await store.get("never", "seen") is None


async def test_set_returns_the_value_and_get_reads_it(store: StateStore) -> None:
    assert await store.set("g", "k", {"n": 1}) == {"n": 1}
    assert await store.get("g", "k") == {"n": 1}
    assert await store.set("g", "k", [2]) == [2]
    assert await store.get("g", "k") == [2]


async def test_delete_returns_the_old_value_or_none(store: StateStore) -> None:
    await store.set("g", "k", "old")
    assert await store.delete("g", "k") == "old"
    assert await store.get("g", "k") is None
    assert await store.delete("g", "k") is None
    assert await store.delete("nowhere", "k") is None


async def test_replace_stores_and_returns_the_old_value(store: StateStore) -> None:
    """The old-returning set that state triggers use (their input's `old_value`)."""
    assert await store.replace("g", "k", {"n": 1}) is None
    assert await store.replace("g", "k", {"n": 2}) == {"n": 1}
    assert await store.get("g", "k") == {"n": 2}
    assert await store.groups() == ["g"]


async def test_pop_group_removes_the_group_and_returns_its_items(store: StateStore) -> None:
    """`clear` when state triggers watch: one change per key removed."""
    await store.set("g", "b", 2)
    await store.set("g", "a", {"x": [1]})
    await store.set("other", "a", 3)
    assert await store.pop_group("g") == [("a", {"x": [1]}), ("b", 2)]
    assert await store.items("g") == [] and await store.groups() == ["other"]
    assert await store.pop_group("g") == []


async def test_delete_returns_a_stored_null(store: StateStore) -> None:
    await store.set("g", "k", None)
    assert await store.delete("g", "k") is None
    assert await store.items("g") == []


async def test_get_group_and_items_are_in_key_order(store: StateStore) -> None:
    for key in ["b", "a", "c", "B", "aa", "ä", "10", "9"]:
        await store.set("g", key, key.upper())
    keys = sorted(["b", "a", "c", "B", "aa", "ä", "10", "9"])
    assert await store.items("g") == [(key, key.upper()) for key in keys]
    assert await store.get_group("g") == [key.upper() for key in keys]
    assert await store.get_group("empty") == []
    assert await store.items("empty") == []


async def test_clear_removes_only_that_group(store: StateStore) -> None:
    await store.set("g", "1", 1)
    await store.set("g", "2", 2)
    await store.set("other", "1", "kept")
    await store.clear("g")
    assert await store.get_group("g") == []
    assert await store.get("g", "1") is None
    assert await store.get("other", "1") == "kept"
    await store.clear("never-existed")
    assert await store.groups() == ["other"]


async def test_groups_hold_only_groups_with_keys_sorted(store: StateStore) -> None:
    assert await store.groups() == []
    for group in ["zeta", "alpha", "a:b", "a", "Beta"]:
        await store.set(group, "k", 1)
    assert await store.groups() == sorted(["zeta", "alpha", "a:b", "a", "Beta"])
    await store.delete("zeta", "k")
    await store.clear("alpha")
    assert await store.groups() == sorted(["a:b", "a", "Beta"])


@pytest.mark.parametrize("name", ODD_NAMES)
async def test_odd_characters_in_groups_and_keys(store: StateStore, name: str) -> None:
    await store.set(name, name, {"name": name})
    await store.set("plain", name, name)
    await store.set(name, "plain", "p")
    assert await store.get(name, name) == {"name": name}
    assert await store.get("plain", name) == name
    assert await store.items(name) == sorted([(name, {"name": name}), ("plain", "p")])
    assert name in await store.groups()
    assert await store.delete(name, name) == {"name": name}
    assert await store.get(name, name) is None


async def test_no_prefix_or_pattern_matching_between_groups(store: StateStore) -> None:
    groups = ["a", "a:b", "a:b:c", "a%", "a_", "ab", "A", "a ", "%", "_"]
    for group in groups:
        await store.set(group, "k", group)
        await store.set(group, f"only-{group}", group)
    for group in groups:
        assert await store.items(group) == [("k", group), (f"only-{group}", group)]
        assert await store.get_group(group) == [group, group]
    # No key pattern either: '%' and '_' are just characters.
    assert await store.get("a", "%") is None
    assert await store.get("a", "_") is None
    await store.clear("a")
    await store.clear("%")
    await store.clear("_")
    for group in groups:
        expected = [] if group in ("a", "%", "_") else [("k", group), (f"only-{group}", group)]
        assert await store.items(group) == expected
    assert await store.groups() == sorted(set(groups) - {"a", "%", "_"})


@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
async def test_every_json_type_round_trips(store: StateStore, value: Any) -> None:
    await store.set("json", "v", value)
    got = await store.get("json", "v")
    assert got == value
    assert type(got) is type(value)
    assert await store.get_group("json") == [value]
    assert await store.items("json") == [("v", value)]


async def test_floats_keep_their_exact_value(store: StateStore) -> None:
    for value in [0.1, 1 / 3, 2.0**60, 1.7976931348623157e308, 5e-324]:
        await store.set("f", "v", value)
        assert await store.get("f", "v") == value


async def test_mutating_a_value_after_set_or_get_changes_nothing(store: StateStore) -> None:
    value: dict[str, Any] = {"list": [1, 2], "nested": {"x": 1}}
    await store.set("g", "k", value)
    value["list"].append(3)
    value["nested"]["x"] = 2
    value["new"] = True
    assert await store.get("g", "k") == {"list": [1, 2], "nested": {"x": 1}}
    got = await store.get("g", "k")
    got["list"].clear()
    (await store.get_group("g"))[0]["nested"]["x"] = 99
    (await store.items("g"))[0][1]["list"].append(4)
    assert await store.get("g", "k") == {"list": [1, 2], "nested": {"x": 1}}


async def test_concurrent_writers_lose_nothing(store: StateStore) -> None:
    async def write(n: int) -> None:
        assert await store.set("many", f"k{n:03}", {"n": n}) == {"n": n}

    async with trio.open_nursery() as nursery:
        for n in range(200):
            nursery.start_soon(write, n)
    assert await store.get_group("many") == [{"n": n} for n in range(200)]


async def test_concurrent_read_modify_write_of_distinct_keys(store: StateStore) -> None:
    for n in range(50):
        await store.set("counters", str(n), 0)

    async def bump(n: int) -> None:
        for _ in range(10):
            current = await store.get("counters", str(n))
            await store.set("counters", str(n), current + 1)

    async with trio.open_nursery() as nursery:
        for n in range(50):
            nursery.start_soon(bump, n)
    assert await store.items("counters") == sorted((str(n), 10) for n in range(50))


async def test_concurrent_mixed_operations_across_groups(store: StateStore) -> None:
    async def worker(g: int) -> None:
        group = f"g:{g}"
        for k in range(20):
            await store.set(group, f"{k:02}", k)
        for k in range(0, 20, 2):
            assert await store.delete(group, f"{k:02}") == k

    async with trio.open_nursery() as nursery:
        for g in range(20):
            nursery.start_soon(worker, g)
    assert await store.groups() == sorted(f"g:{g}" for g in range(20))
    for g in range(20):
        assert await store.get_group(f"g:{g}") == list(range(1, 20, 2))


# Motia 1.0's `update` (orchestrator/stores/update_ops.py; the engine's built-in store,
# MotiaDev/motia engine/src/builtins/kv.rs `update`, is the reference for each op).


def ops(*raw: dict[str, Any]) -> list[UpdateOp]:
    return parse_ops(list(raw), "test")


async def test_update_of_a_missing_key_starts_from_an_empty_object(store: StateStore) -> None:
    result = await store.update("g", "k", ops({"type": "increment", "path": "n", "by": 2}))
    assert result.as_json() == {"old_value": None, "new_value": {"n": 2}}
    assert await store.get("g", "k") == {"n": 2}
    assert await store.groups() == ["g"]


async def test_update_applies_every_op_in_order_and_returns_old_and_new(
    store: StateStore,
) -> None:
    await store.set("g", "k", {"n": 1, "left": 3, "tmp": True, "meta": {"a": 1}})
    result = await store.update(
        "g",
        "k",
        ops(
            {"type": "increment", "path": "n", "by": 10},
            {"type": "decrement", "path": "left", "by": 1},
            {"type": "set", "path": "status", "value": "shipped"},
            {"type": "remove", "path": "tmp"},
            {"type": "merge", "value": {"extra": [1], "n": 100}},
            {"type": "merge", "path": "meta", "value": {"b": 2}},
            {"type": "increment", "path": "n", "by": 0.5},
        ),
    )
    expected = {"n": 100.5, "left": 2, "status": "shipped", "meta": {"a": 1, "b": 2}, "extra": [1]}
    assert result.old_value == {"n": 1, "left": 3, "tmp": True, "meta": {"a": 1}}
    assert result.new_value == expected
    assert await store.get("g", "k") == expected


async def test_update_set_with_an_empty_path_replaces_the_whole_value(store: StateStore) -> None:
    await store.set("g", "k", {"old": True})
    result = await store.update("g", "k", ops({"type": "set", "path": "", "value": 7}))
    assert (result.old_value, result.new_value) == ({"old": True}, 7)
    assert await store.get("g", "k") == 7


async def test_increment_of_a_missing_or_non_numeric_field_starts_at_by(store: StateStore) -> None:
    await store.set("g", "k", {"text": "x", "flag": True})
    result = await store.update(
        "g",
        "k",
        ops(
            {"type": "increment", "path": "text", "by": 3},
            {"type": "increment", "path": "flag", "by": 1},
            {"type": "decrement", "path": "missing", "by": 4},
        ),
    )
    assert result.new_value == {"text": 3, "flag": 1, "missing": -4}


async def test_an_op_that_does_not_fit_changes_nothing(store: StateStore) -> None:
    await store.set("g", "k", 5)
    with pytest.raises(CallbackError) as caught:
        await store.update("g", "k", ops({"type": "increment", "path": "n", "by": 1}))
    assert caught.value.name == "ValidationError"
    assert "ops[0]" in str(caught.value) and "a number" in str(caught.value)
    await store.set("g", "obj", {"n": 1, "f": "text"})
    with pytest.raises(CallbackError):
        await store.update(
            "g",
            "obj",
            ops(
                {"type": "increment", "path": "n", "by": 1},
                {"type": "merge", "path": "f", "value": {"a": 1}},
            ),
        )
    # The first op is not kept either: an update is all or nothing.
    assert await store.get("g", "obj") == {"n": 1, "f": "text"}
    assert await store.get("g", "k") == 5


async def test_update_returns_copies(store: StateStore) -> None:
    result = await store.update("g", "k", ops({"type": "set", "path": "list", "value": [1]}))
    result.new_value["list"].append(2)
    assert await store.get("g", "k") == {"list": [1]}


async def test_concurrent_increments_of_one_key_lose_none(store: StateStore) -> None:
    increment = ops({"type": "increment", "path": "count", "by": 1})
    olds: list[Any] = []

    async def bump() -> None:
        olds.append((await store.update("counters", "hits", increment)).old_value)

    async with trio.open_nursery() as nursery:
        for _ in range(300):
            nursery.start_soon(bump)
    assert await store.get("counters", "hits") == {"count": 300}
    # Each update saw a different value before it: none read a stale one.
    seen = sorted(-1 if old is None else old["count"] for old in olds)
    assert seen == [-1, *range(1, 300)]
