"""The shared delivery store: Redis (`queue = "redis"`, docs/reference.md §11), for several
orchestrator instances serving one project.

Every instance accepts, claims and settles deliveries with one Lua script each
(`redis_scripts.py`), so that the claims of all instances respect the same FIFO
groups, concurrency and rate limits and debounce keys as the stores one process owns
(the shared suites run on memory, SQLite and Redis). A claim leases a delivery until
a Redis time (`lease`: the step's visibility timeout, else the `visibility_timeout`
setting, never shorter than `handler_timeout`); a lease that runs out means its
instance died, and the next claim of any instance takes the delivery back. Each call
is one command on the shared pipelined connection (`redis_worker`): a delivered event
costs three round trips at most (accept, claim, done) and far fewer under load,
when many share one pipeline.

Instances learn of work accepted elsewhere by polling: a claim with nothing to wait
for asks to be made again after `poll` seconds.

Redis lost while serving: `accept` raises (the emit is not accepted, and its caller is
told), a claim gives nothing and asks to be made again after a back-off, and a failed
attempt or a burial that cannot be written leaves the delivery leased: when the lease
runs out it is claimed again, so nothing accepted is lost (with Redis's AOF on).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from orchestrator.stores.queue import redis_scripts as lua
from orchestrator.stores.queue.base import (
    Claimed,
    Delivery,
    DeliveryStore,
    Event,
    Limits,
    QueueCounts,
    encode_json,
)
from orchestrator.stores.redis_worker import RedisUnavailable, RedisWorker

_FIELDS = 9  # id, then lua.F: step, event, attempts, errors, at, group, debounce, seq
# Delivery objects this instance handed out, by id, so that a claim gives back the
# object its accept was given (the bus keeps state on it); the oldest are forgotten.
_KNOWN = 100_000
# Waiting deliveries a claim looks at, oldest first (the rest wait for the next claim).
_SCAN = 1000
# Seconds a step's claims wait while Redis cannot be reached.
_BACKOFF = 1.0


class RedisDeliveryStore(DeliveryStore):
    shared = True

    def __init__(self, worker: RedisWorker, *, lease: float = 30.0, poll: float | None = None):
        self._worker = worker
        worker.add_scripts(lua.ALL)
        self._lease = lease
        self._poll = poll
        self._known: OrderedDict[str, Delivery] = OrderedDict()

    @property
    def worker(self) -> RedisWorker:
        """The connection the store shares (the bench counts its round trips)."""
        return self._worker

    def _run(self, script: Any, *args: Any) -> Any:
        return self._worker.run([script.call((), (self._worker.prefix, *args))])

    async def accept(self, event: Event, deliveries: list[Delivery]) -> list[Delivery]:
        body = encode_json(event.as_json())
        args: list[Any] = [repr(time.time()), len(deliveries)]
        for d in deliveries:
            args += [d.id, d.step, body, repr(d.available_at), d.group or "", d.debounce or ""]
        (reply,) = await self._run(lua.ACCEPT, *args)
        for delivery, seq in zip(deliveries, reply, strict=False):
            delivery.seq = int(seq)
            self._remember(delivery)
        replaced = self._deliveries(reply[len(deliveries) :])
        for delivery in replaced:
            self._known.pop(delivery.id, None)
        return replaced

    async def accept_dead(self, event: Event, deliveries: list[Delivery]) -> None:
        body = encode_json(event.as_json())
        args: list[Any] = [repr(time.time()), len(deliveries)]
        for d in deliveries:
            args += [d.id, d.step, body, d.attempts, encode_json(d.errors)]
        (reply,) = await self._run(lua.ACCEPT_DEAD, *args)
        for delivery, seq in zip(deliveries, reply, strict=True):
            delivery.seq = int(seq)

    async def claim(self, step: str, limits: Limits, now: float) -> Claimed:
        rate = "" if limits.rate_limit is None else limits.rate_limit
        try:
            (reply,) = await self._run(
                lua.CLAIM, step, repr(now), repr(limits.lease or self._lease),
                limits.concurrency, limits.concurrency_key or "", limits.key_concurrency,
                rate, repr(limits.rate_period), limits.rate_key or "", _SCAN,
            )  # fmt: skip
        except RedisUnavailable:  # the worker logged it, once: try again later
            return Claimed([], now + _BACKOFF)
        wake_at = float(reply[0]) if reply[0] else None
        if self._poll is not None:  # work another instance accepts, or one it lost
            wake_at = min(wake_at if wake_at is not None else now + self._poll, now + self._poll)
        return Claimed(self._deliveries(reply[1:]), wake_at)

    async def done(self, delivery: Delivery) -> None:
        self._known.pop(delivery.id, None)
        # Posted, not awaited (see DeliveryStore.done): later calls go after it on the
        # one connection, so they see it.
        self._worker.post([lua.DONE.call((), (self._worker.prefix, delivery.id))])

    async def failed(self, delivery: Delivery) -> None:
        # Not written while Redis is lost: its lease runs out and it is claimed again.
        with contextlib.suppress(RedisUnavailable):
            await self._run(
                lua.FAILED, delivery.id, delivery.attempts, encode_json(delivery.errors),
                repr(delivery.available_at), repr(time.time()),
            )  # fmt: skip

    async def bury(self, delivery: Delivery) -> None:
        self._known.pop(delivery.id, None)
        errors = encode_json(delivery.errors)
        with contextlib.suppress(RedisUnavailable):  # as in `failed`
            await self._run(lua.BURY, delivery.id, delivery.attempts, errors, repr(time.time()))

    async def pending(self) -> list[Delivery]:
        (reply,) = await self._run(lua.LIST, "pending", "")
        return self._deliveries(reply, remember=False)

    async def counts(self, step: str, now: float) -> QueueCounts:
        (reply,) = await self._run(lua.COUNTS, step, repr(now))
        leased, waiting, delayed, next_at = reply
        return QueueCounts(leased, waiting, delayed, float(next_at) if next_at else None)

    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        (reply,) = await self._run(lua.LIST, "dead", limit)
        return self._deliveries(reply, remember=False)

    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        (reply,) = await self._run(lua.LIST, "one", delivery_id)
        found = self._deliveries(reply, remember=False)
        return found[0] if found else None

    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        chosen = ["*"] if ids is None else list(ids)
        if not chosen:
            return []
        (reply,) = await self._run(lua.REVIVE, repr(time.time()), *chosen)
        return sorted(self._deliveries(reply), key=lambda d: d.seq)

    async def purge(self, ids: Iterable[str] | None) -> int:
        chosen = ["*"] if ids is None else list(ids)
        if not chosen:
            return 0
        (reply,) = await self._run(lua.PURGE, *chosen)
        return int(reply)

    async def claim_key(self, key: str, now: float, window: float) -> bool:
        (reply,) = await self._run(lua.CLAIM_KEY, key, repr(now), repr(window))
        return bool(reply)

    async def take_tick(self, step: str, tick: float) -> bool:
        """True for the one instance that fires `step`'s cron tick at `tick` (a lock kept
        a minute: far longer than instances' clocks disagree)."""
        key = self._worker.key("cron", step, repr(tick))
        (reply,) = await self._worker.run([("SET", key, "1", "NX", "PX", 60_000)])
        return reply is not None

    def _remember(self, delivery: Delivery) -> None:
        self._known[delivery.id] = delivery
        if len(self._known) > _KNOWN:
            self._known.popitem(last=False)

    def _deliveries(self, flat: list[Any], *, remember: bool = True) -> list[Delivery]:
        """Deliveries from a script's flat reply; those this instance knows are the same
        objects, brought up to date."""
        found = []
        for at in range(0, len(flat), _FIELDS):
            delivery_id, step, body, attempts, errors, available, group, debounce, seq = flat[
                at : at + _FIELDS
            ]
            known = self._known.get(delivery_id) if remember else None
            delivery = known or Delivery(delivery_id, Event.from_json(json.loads(body)), step)
            delivery.attempts, delivery.errors = int(attempts), json.loads(errors)
            delivery.available_at, delivery.seq = float(available), int(seq)
            delivery.group, delivery.debounce = group or None, debounce or None
            if remember:
                self._remember(delivery)
            found.append(delivery)
        return found
