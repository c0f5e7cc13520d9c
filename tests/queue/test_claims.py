"""Which deliveries a claim gives (docs/reference.md §12), the same on every store:
what the bus's queue options rest on. Times are plain numbers: the store is told `now`.

Motia 0.17's in-memory queue (packages/core/src/queue-manager.ts at
v0.17.14-beta.196) is the model: a message is visible from `visibleAt` (its delay),
a FIFO message group is locked while one of its messages runs; Steppe also keeps a
failed head ahead of the rest of its group until it succeeds or is dead-lettered.
"""

from __future__ import annotations

import itertools

from orchestrator.core.types import JSON
from orchestrator.stores.queue import Delivery, DeliveryStore, Event
from orchestrator.stores.queue.base import Limits

_ids = itertools.count(1)


async def put(
    store: DeliveryStore,
    data: JSON = None,
    *,
    step: str = "A",
    at: float = 0.0,
    group: str | None = None,
    debounce: str | None = None,
) -> Delivery:
    n = next(_ids)
    event = Event(f"e{n}", "topic", data, "t" * 32, None, 1, 1000.0 + n)
    delivery = Delivery(f"d{n}", event, step, available_at=at, group=group, debounce=debounce)
    await store.accept(event, [delivery])
    return delivery


async def claim(store: DeliveryStore, now: float, limits: Limits | None = None) -> list[str]:
    claimed = await store.claim("A", limits or Limits(), now)
    return [d.id for d in claimed.deliveries]


async def test_a_delivery_is_claimed_once_it_is_due_and_not_again_while_leased(
    store: DeliveryStore,
) -> None:
    now_ = await put(store)
    later = await put(store, at=50.0)
    claimed = await store.claim("A", Limits(), 10.0)
    assert claimed.deliveries == [now_] and claimed.wake_at == 50.0
    assert await claim(store, 49.9) == []
    assert await claim(store, 50.0) == [later.id]
    assert (await store.claim("A", Limits(), 60.0)).wake_at is None  # all leased
    counts = await store.counts("A", 60.0)
    assert (counts.in_flight, counts.waiting, counts.delayed) == (2, 0, 0)


async def test_a_failed_delivery_is_claimed_again_from_its_new_available_at(
    store: DeliveryStore,
) -> None:
    delivery = await put(store)
    assert await claim(store, 0.0) == [delivery.id]
    delivery.attempts, delivery.available_at = 1, 5.0
    await store.failed(delivery)
    counts = await store.counts("A", 1.0)
    assert (counts.in_flight, counts.waiting, counts.delayed, counts.next_at) == (0, 0, 1, 5.0)
    assert await claim(store, 4.0) == []
    assert await claim(store, 5.0) == [delivery.id]


async def test_a_fifo_group_gives_its_oldest_only_and_one_at_a_time(store: DeliveryStore) -> None:
    a1, b1, a2, a3 = [
        await put(store, group=g) for g in ("a", "b", "a", "a")
    ]  # fmt: skip
    assert await claim(store, 0.0) == [a1.id, b1.id]
    assert await claim(store, 0.0) == []  # a2 waits for a1
    a1.attempts, a1.available_at = 1, 3.0
    await store.failed(a1)
    assert await claim(store, 1.0) == []  # a1 waits its backoff and a2 still behind it
    assert await claim(store, 3.0) == [a1.id]
    await store.bury(a1)  # dead-lettered: the group moves on
    assert await claim(store, 3.0) == [a2.id]
    await store.done(a2)
    await store.done(b1)
    assert await claim(store, 3.0) == [a3.id]


async def test_a_delayed_fifo_head_holds_its_group(store: DeliveryStore) -> None:
    first = await put(store, group="g", at=10.0)
    second = await put(store, group="g")
    other = await put(store, group="h")
    assert await claim(store, 0.0) == [other.id]
    assert await claim(store, 10.0) == [first.id]
    await store.done(first)
    assert await claim(store, 10.0) == [second.id]


async def test_a_replayed_dead_letter_goes_back_to_the_head_of_its_group(
    store: DeliveryStore,
) -> None:
    first, second, third = [await put(store, group="g") for _ in range(3)]
    assert await claim(store, 0.0) == [first.id]
    await store.bury(first)
    assert await claim(store, 0.0) == [second.id]
    [revived] = await store.revive([first.id])
    assert revived.group == "g"
    await store.done(second)
    assert await claim(store, 0.0) == [first.id]  # ahead of third, as it was accepted
    await store.done(revived)
    assert await claim(store, 0.0) == [third.id]


async def test_concurrency_bounds_the_leases_of_a_step_and_of_each_key(
    store: DeliveryStore,
) -> None:
    ann = [await put(store, {"user": "ann"}) for _ in range(3)]
    bob = [await put(store, {"user": "bob"}) for _ in range(2)]
    assert await claim(store, 0.0, Limits(concurrency=2)) == [ann[0].id, ann[1].id]
    per_user = Limits(concurrency=10, concurrency_key="user", key_concurrency=1)
    # The leases are counted again by the new key: ann has two, bob none.
    assert await claim(store, 0.0, per_user) == [bob[0].id]
    await store.done(ann[0])
    await store.done(ann[1])
    assert await claim(store, 0.0, per_user) == [ann[2].id]
    await store.done(bob[0])
    assert await claim(store, 0.0, per_user) == [bob[1].id]


async def test_a_rate_limit_holds_starts_within_each_window(store: DeliveryStore) -> None:
    rate = Limits(rate_limit=2, rate_period=1.0)
    deliveries = [await put(store) for _ in range(5)]
    first = await store.claim("A", rate, 0.0)
    assert [d.id for d in first.deliveries] == [d.id for d in deliveries[:2]]
    assert first.wake_at == 1.0  # when the first start leaves the window
    assert await claim(store, 0.5, rate) == []
    assert await claim(store, 1.0, rate) == [d.id for d in deliveries[2:4]]
    assert await claim(store, 2.0, rate) == [deliveries[4].id]


async def test_a_rate_limit_per_key_holds_one_key_and_not_the_others(
    store: DeliveryStore,
) -> None:
    rate = Limits(rate_limit=1, rate_period=10.0, rate_key="user")
    ann1, ann2, bob1 = [await put(store, {"user": u}) for u in ("ann", "ann", "bob")]
    claimed = await store.claim("A", rate, 0.0)
    assert [d.id for d in claimed.deliveries] == [ann1.id, bob1.id]
    assert claimed.wake_at == 10.0
    assert await claim(store, 9.0, rate) == []
    assert await claim(store, 10.0, rate) == [ann2.id]


async def test_a_debounced_delivery_replaces_the_one_of_its_key_not_yet_started(
    store: DeliveryStore,
) -> None:
    first = await put(store, {"n": 1}, at=5.0, debounce="k")
    other_key = await put(store, {"n": 2}, at=5.0, debounce="j")
    event = Event("e-last", "topic", {"n": 3}, "t" * 32, None, 1, 2000.0)
    last = Delivery("d-last", event, "A", available_at=6.0, debounce="k")
    assert await store.accept(event, [last]) == [first]
    assert [d.id for d in await store.pending()] == [other_key.id, last.id]
    assert await claim(store, 6.0) == [other_key.id, last.id]
    # Once started, the next event of the key begins a new burst; it replaces nothing.
    after = await put(store, {"n": 4}, at=9.0, debounce="k")
    assert [d.id for d in await store.pending()] == [other_key.id, last.id, after.id]


async def test_steps_are_claimed_apart(store: DeliveryStore) -> None:
    mine = await put(store, step="A")
    theirs = await put(store, step="B")
    assert await claim(store, 0.0, Limits(concurrency=1)) == [mine.id]
    claimed = await store.claim("B", Limits(concurrency=1), 0.0)
    assert claimed.deliveries == [theirs]


async def test_one_held_back_by_its_key_is_not_stranded_when_the_one_before_it_goes(
    store: DeliveryStore,
) -> None:
    per_user = Limits(concurrency_key="user", key_concurrency=1)
    running = await put(store, {"user": "ann"})
    replaced = await put(store, {"user": "ann"}, debounce="draft")
    waiting = await put(store, {"user": "ann"})
    assert await claim(store, 0.0, per_user) == [running.id]
    event = Event("e-new", "topic", {"user": "bob"}, "t" * 32, None, 1, 3000.0)
    replacing = Delivery("d-new", event, "A", debounce="draft")
    assert await store.accept(event, [replacing]) == [replaced]
    assert await claim(store, 0.0, per_user) == [replacing.id]
    await store.done(running)
    assert await claim(store, 0.0, per_user) == [waiting.id]
