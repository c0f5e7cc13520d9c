"""One suite for every delivery store (memory and SQLite): what the bus relies on."""

from __future__ import annotations

from orchestrator.stores.queue import Delivery, DeliveryStore, Event


def _event(n: int) -> Event:
    return Event(f"e{n}", "topic", {"n": n, "text": "ünïcode"}, "t" * 32, "Src", 1, 1000.0 + n)


def _deliveries(event: Event, *steps: str) -> list[Delivery]:
    return [Delivery(f"{event.id}-{step}", event, step) for step in steps]


async def test_accepted_deliveries_are_pending_in_the_order_accepted_until_done(
    store: DeliveryStore,
) -> None:
    first, second = _event(2), _event(1)  # accepted in this order, whatever their clocks
    await store.accept(first, _deliveries(first, "A"))
    await store.accept(second, _deliveries(second, "A", "B"))
    pending = await store.pending()
    assert [(d.id, d.step) for d in pending] == [("e2-A", "A"), ("e1-A", "A"), ("e1-B", "B")]
    assert pending[0].event == first
    assert [d.seq for d in pending] == sorted({d.seq for d in pending})
    await store.done(pending[0])
    assert [d.id for d in await store.pending()] == ["e1-A", "e1-B"]


async def test_failed_attempts_are_kept_and_burial_moves_to_dead_letters(
    store: DeliveryStore,
) -> None:
    event = _event(1)
    [delivery] = _deliveries(event, "A")
    await store.accept(event, [delivery])
    delivery.attempts = 1
    delivery.errors.append({"name": "RuntimeError", "message": "first", "attempt": 1})
    await store.failed(delivery)
    [pending] = await store.pending()
    assert pending.attempts == 1 and pending.errors[0]["message"] == "first"
    delivery.attempts = 2
    delivery.errors.append({"name": "RuntimeError", "message": "second", "attempt": 2})
    await store.bury(delivery)
    assert await store.pending() == []
    [dead] = await store.dead_letters()
    assert (dead.id, dead.attempts, [e["message"] for e in dead.errors]) == (
        "e1-A",
        2,
        ["first", "second"],
    )
    found = await store.dead_letter("e1-A")
    assert found is not None and found.event == event
    assert await store.dead_letter("nope") is None


async def test_revive_and_purge_pick_dead_letters_by_id_or_all(store: DeliveryStore) -> None:
    for n in (1, 2, 3):
        event = _event(n)
        [delivery] = _deliveries(event, "A")
        await store.accept(event, [delivery])
        delivery.attempts = 4
        await store.bury(delivery)
    revived = await store.revive(["e2-A", "missing"])
    assert [(d.id, d.attempts, d.errors) for d in revived] == [("e2-A", 0, [])]
    assert [d.id for d in await store.pending()] == ["e2-A"]
    assert await store.purge(["e1-A"]) == 1
    assert [d.id for d in await store.dead_letters()] == ["e3-A"]
    assert await store.purge(None) == 1
    assert await store.dead_letters() == []


async def test_an_idempotency_key_is_claimed_once_per_window(store: DeliveryStore) -> None:
    assert await store.claim_key("k", now=100.0, window=10.0)
    assert not await store.claim_key("k", now=105.0, window=10.0)
    assert await store.claim_key("other", now=105.0, window=10.0)
    assert await store.claim_key("k", now=111.0, window=10.0)
