"""The in-memory delivery store: for tests and for users who opt out of durability
(`queue = "memory"`); what it holds is lost when the orchestrator stops."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from orchestrator.stores.queue.base import (
    Claimed,
    Delivery,
    DeliveryStore,
    Event,
    Limits,
    QueueCounts,
)
from orchestrator.stores.queue.schedule import Schedule


class MemoryDeliveryStore(DeliveryStore):
    def __init__(self) -> None:
        self._schedule = Schedule()
        self._dead: dict[str, Delivery] = {}
        self._keys: dict[str, float] = {}

    async def accept(self, event: Event, deliveries: list[Delivery]) -> list[Delivery]:
        replaced = []
        for delivery in deliveries:
            delivery.seq = self._schedule.next_seq()
            if delivery.debounce is not None:
                waiting = self._schedule.supersede(delivery.step, delivery.debounce)
                if waiting is not None:
                    replaced.append(waiting)
            self._schedule.add(delivery)
        return replaced

    async def accept_dead(self, event: Event, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            delivery.seq = self._schedule.next_seq()
            self._dead[delivery.id] = delivery

    async def claim(self, step: str, limits: Limits, now: float) -> Claimed:
        return self._schedule.claim(step, limits, now)

    async def done(self, delivery: Delivery) -> None:
        self._schedule.remove(delivery)

    async def failed(self, delivery: Delivery) -> None:
        self._schedule.retry(delivery)  # the delivery object itself carries its attempts

    async def bury(self, delivery: Delivery) -> None:
        self._schedule.remove(delivery)
        self._dead[delivery.id] = delivery

    async def pending(self) -> list[Delivery]:
        return list(self._schedule)

    async def counts(self, step: str, now: float) -> QueueCounts:
        return self._schedule.counts(step, now)

    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        newest = sorted(self._dead.values(), key=lambda d: d.event.created, reverse=True)
        return [copy.deepcopy(d) for d in newest[:limit]]

    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        dead = self._dead.get(delivery_id)
        return copy.deepcopy(dead) if dead is not None else None

    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        chosen = list(self._dead) if ids is None else [i for i in ids if i in self._dead]
        revived = []
        for delivery_id in chosen:
            dead = self._dead.pop(delivery_id)
            # Back in its place in its FIFO group; no longer debounced (a replay runs).
            fresh = Delivery(dead.id, dead.event, dead.step, group=dead.group, seq=dead.seq)
            self._schedule.add(fresh)
            revived.append(fresh)
        return revived

    async def purge(self, ids: Iterable[str] | None) -> int:
        chosen = list(self._dead) if ids is None else [i for i in ids if i in self._dead]
        for delivery_id in chosen:
            del self._dead[delivery_id]
        return len(chosen)

    async def claim_key(self, key: str, now: float, window: float) -> bool:
        claimed = self._keys.get(key)
        if claimed is not None and now - claimed < window:
            return False
        self._keys[key] = now
        if len(self._keys) > 100_000:  # forget expired keys now and then
            self._keys = {k: t for k, t in self._keys.items() if now - t < window}
        return True
