"""Which pending deliveries may start (docs/reference.md §12): the bookkeeping behind
`DeliveryStore.claim` for the stores one process owns, memory and SQLite, so that
both answer every claim alike. (A store shared by several processes keeps the same
facts where they all see them; see `base.py`.)

Per step, a *lane*: its pending deliveries; the *candidates* among them (a delivery
not leased and, when it belongs to a FIFO group, the oldest of its group while no
other of the group is leased), first in a heap by `available_at` and, once due, in
a heap by `seq`; the leases, counted per concurrency key; the start times in each
rate window. Heap entries carry a ticket, so that a delivery leased, removed or
offered again leaves its old entries to be skipped rather than searched for.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter, deque
from collections.abc import Iterator

from orchestrator.stores.queue.base import Claimed, Delivery, Limits, QueueCounts, data_key

_Entry = tuple[int, int, str]  # (seq, ticket, delivery id): a due candidate
_Timed = tuple[float, int, int, str]  # (available_at, seq, ticket, delivery id)
# Rate keys whose windows are kept before old, empty ones are swept.
_MAX_WINDOWS = 10_000


class _Lane:
    """One step's pending deliveries and what decides which may start."""

    def __init__(self) -> None:
        self.limits: Limits | None = None
        self.members: dict[str, Delivery] = {}
        self.held: set[str] = set()  # accepted, not yet durable: not candidates yet
        self.groups: dict[str, deque[Delivery]] = {}  # FIFO groups, each in seq order
        self.busy: set[str] = set()  # groups with a leased delivery
        self.timed: list[_Timed] = []
        self.ready: list[_Entry] = []
        self.tickets: dict[str, int] = {}  # candidate id -> the ticket of its live entry
        self.leased: dict[str, str] = {}  # delivery id -> its concurrency key
        self.leased_keys: Counter[str] = Counter()
        # Due candidates held back by their key's concurrency, or rate: heaps by seq.
        self.parked: dict[str, list[_Entry]] = {}
        self.rate_parked: dict[str, list[_Entry]] = {}
        self.starts: dict[str, deque[float]] = {}  # rate key -> starts within the window
        self.debounced: dict[str, Delivery] = {}  # debounce key -> not started yet

    def valid(self, ticket: int, delivery_id: str) -> bool:
        return self.tickets.get(delivery_id) == ticket


class Schedule:
    """Every pending delivery of a store, by step."""

    def __init__(self) -> None:
        self._lanes: dict[str, _Lane] = {}
        self._tickets = itertools.count(1)
        self._seq = 0

    def next_seq(self, at_least: int = 0) -> int:
        """The next acceptance number (stores that reopen pass the highest they hold)."""
        self._seq = max(self._seq, at_least) + 1
        return self._seq

    def _lane(self, step: str) -> _Lane:
        lane = self._lanes.get(step)
        if lane is None:
            lane = self._lanes[step] = _Lane()
        return lane

    # Membership ---------------------------------------------------------------------

    def add(self, delivery: Delivery, *, held: bool = False) -> None:
        """A pending delivery; `held` ones are not offered until `commit`."""
        lane = self._lane(delivery.step)
        lane.members[delivery.id] = delivery
        if held:
            lane.held.add(delivery.id)
        if delivery.debounce is not None:
            lane.debounced[delivery.debounce] = delivery
        if delivery.group is None:
            self._offer(lane, delivery)
            return
        group = lane.groups.setdefault(delivery.group, deque())
        if not group or group[-1].seq < delivery.seq:
            group.append(delivery)
        else:  # older than the group's tail (a replayed dead letter): into its place
            at = bisect.bisect([d.seq for d in group], delivery.seq)
            group.insert(at, delivery)
            for later in itertools.islice(group, 1, None):
                lane.tickets.pop(later.id, None)  # only the head may be a candidate
        self._refresh_group(lane, delivery.group)

    def commit(self, delivery: Delivery) -> None:
        """A held delivery is durable: it may be offered now."""
        lane = self._lane(delivery.step)
        lane.held.discard(delivery.id)
        if delivery.id not in lane.members:
            return  # replaced (debounced) meanwhile
        if delivery.group is None:
            self._offer(lane, delivery)
        else:
            self._refresh_group(lane, delivery.group)

    def remove(self, delivery: Delivery) -> None:
        """Done, dead, or replaced: forget it (and its lease)."""
        lane = self._lane(delivery.step)
        if lane.members.pop(delivery.id, None) is None:
            return
        lane.held.discard(delivery.id)
        lane.tickets.pop(delivery.id, None)
        self._end_lease(lane, delivery)
        if delivery.debounce is not None and lane.debounced.get(delivery.debounce) is delivery:
            del lane.debounced[delivery.debounce]
        if delivery.group is not None:
            group = lane.groups[delivery.group]
            if group[0] is delivery:
                group.popleft()
            else:
                group.remove(delivery)
            if group:
                self._refresh_group(lane, delivery.group)
            else:
                del lane.groups[delivery.group]

    def retry(self, delivery: Delivery) -> None:
        """End the lease of a delivery that failed; it is offered again from its
        `available_at` (still the head of its group)."""
        lane = self._lane(delivery.step)
        self._end_lease(lane, delivery)
        if delivery.group is None:
            self._offer(lane, delivery)
        else:
            self._refresh_group(lane, delivery.group)

    def supersede(self, step: str, debounce: str) -> Delivery | None:
        """Remove and return the step's delivery with this debounce key that has not
        started, if there is one."""
        lane = self._lane(step)
        waiting = lane.debounced.get(debounce)
        if waiting is None or waiting.id in lane.leased:
            return None
        self.remove(waiting)
        return waiting

    def __iter__(self) -> Iterator[Delivery]:
        """Every pending delivery, in `seq` order."""
        every = [d for lane in self._lanes.values() for d in lane.members.values()]
        return iter(sorted(every, key=lambda d: d.seq))

    def get(self, step: str, delivery_id: str) -> Delivery | None:
        return self._lane(step).members.get(delivery_id)

    # Candidates ---------------------------------------------------------------------

    def _offer(self, lane: _Lane, delivery: Delivery) -> None:
        if delivery.id in lane.held or delivery.id in lane.leased:
            return
        ticket = next(self._tickets)
        lane.tickets[delivery.id] = ticket
        heapq.heappush(lane.timed, (delivery.available_at, delivery.seq, ticket, delivery.id))

    def _refresh_group(self, lane: _Lane, name: str) -> None:
        """Offer the group's head when nothing of the group runs and it is not offered."""
        head = lane.groups[name][0]
        if name not in lane.busy and head.id not in lane.tickets:
            self._offer(lane, head)

    def _end_lease(self, lane: _Lane, delivery: Delivery) -> None:
        key = lane.leased.pop(delivery.id, None)
        if key is None:
            return
        lane.leased_keys[key] -= 1
        if lane.leased_keys[key] <= 0:
            del lane.leased_keys[key]
        if delivery.group is not None:
            lane.busy.discard(delivery.group)

    # Claims -------------------------------------------------------------------------

    def claim(self, step: str, limits: Limits, now: float) -> Claimed:
        """Lease what may start now (see `DeliveryStore.claim`)."""
        lane = self._lane(step)
        if lane.limits != limits:
            self._reindex(lane, limits)
        if len(lane.starts) > _MAX_WINDOWS:
            self._sweep(lane, limits, now)
        while lane.timed and lane.timed[0][0] <= now:
            _, seq, ticket, delivery_id = heapq.heappop(lane.timed)
            if lane.valid(ticket, delivery_id):
                heapq.heappush(lane.ready, (seq, ticket, delivery_id))
        self._unpark(lane, limits, now)
        claimed: list[Delivery] = []
        rate_blocked = False
        while lane.ready:
            _, ticket, delivery_id = lane.ready[0]
            if not lane.valid(ticket, delivery_id):
                heapq.heappop(lane.ready)
                continue
            if len(lane.leased) >= limits.concurrency:
                break
            delivery = lane.members[delivery_id]
            key = _key(delivery, limits.concurrency_key)
            keyed = limits.concurrency_key is not None
            if keyed and lane.leased_keys[key] >= limits.key_concurrency:
                heapq.heappush(lane.parked.setdefault(key, []), heapq.heappop(lane.ready))
                continue
            rate = _key(delivery, limits.rate_key)
            if limits.rate_limit is not None and not self._room(lane, limits, rate, now):
                if limits.rate_key is None:
                    rate_blocked = True
                    break
                heapq.heappush(lane.rate_parked.setdefault(rate, []), heapq.heappop(lane.ready))
                continue
            heapq.heappop(lane.ready)
            self._lease(lane, limits, delivery, key, rate, now)
            claimed.append(delivery)
        return Claimed(claimed, self._wake_at(lane, limits, rate_blocked))

    def _unpark(self, lane: _Lane, limits: Limits, now: float) -> None:
        """Give back to the due heap as many entries held back under each key as that
        key has room for now (not all: with thousands waiting on one key, all would be
        held back again)."""
        for key in list(lane.parked):
            _give_back(lane, lane.parked, key, limits.key_concurrency - lane.leased_keys[key])
        for key in [k for k in lane.rate_parked if self._room(lane, limits, k, now)]:
            room = (limits.rate_limit or 1) - len(lane.starts.get(key, ()))
            _give_back(lane, lane.rate_parked, key, room)

    @staticmethod
    def _lease(
        lane: _Lane, limits: Limits, delivery: Delivery, key: str, rate: str, now: float
    ) -> None:
        del lane.tickets[delivery.id]
        lane.leased[delivery.id] = key
        lane.leased_keys[key] += 1
        if delivery.group is not None:
            lane.busy.add(delivery.group)
        if delivery.debounce is not None and lane.debounced.get(delivery.debounce) is delivery:
            del lane.debounced[delivery.debounce]  # started: a new event begins a new burst
        if limits.rate_limit is not None:
            lane.starts.setdefault(rate, deque()).append(now)

    @staticmethod
    def _room(lane: _Lane, limits: Limits, key: str, now: float) -> bool:
        """True when the rate window of `key` has room for one more start at `now`."""
        window = lane.starts.get(key)
        if window is None:
            return True
        while window and window[0] <= now - limits.rate_period:
            window.popleft()
        if not window:
            del lane.starts[key]
            return True
        return limits.rate_limit is None or len(window) < limits.rate_limit

    @staticmethod
    def _sweep(lane: _Lane, limits: Limits, now: float) -> None:
        """Forget the windows of rate keys with no start left in them."""
        lane.starts = {
            key: window
            for key, window in lane.starts.items()
            if window and window[-1] > now - limits.rate_period
        }

    def _wake_at(self, lane: _Lane, limits: Limits, rate_blocked: bool) -> float | None:
        while lane.timed and not lane.valid(lane.timed[0][2], lane.timed[0][3]):
            heapq.heappop(lane.timed)
        times = [lane.timed[0][0]] if lane.timed else []
        if rate_blocked:
            times.append(lane.starts[""][0] + limits.rate_period)
        times += [lane.starts[key][0] + limits.rate_period for key in lane.rate_parked]
        return min(times, default=None)

    def _reindex(self, lane: _Lane, limits: Limits) -> None:
        """Limits changed (the first claim, or a reload): offer every candidate again
        and count the leases by the new concurrency key; rate windows start over."""
        lane.limits = limits
        lane.timed, lane.ready, lane.tickets = [], [], {}
        lane.parked, lane.rate_parked, lane.starts = {}, {}, {}
        lane.leased = {
            delivery_id: _key(lane.members[delivery_id], limits.concurrency_key)
            for delivery_id in lane.leased
        }
        lane.leased_keys = Counter(lane.leased.values())
        for delivery in lane.members.values():
            if delivery.group is None:
                self._offer(lane, delivery)
        for name in lane.groups:
            self._refresh_group(lane, name)

    # Views --------------------------------------------------------------------------

    def counts(self, step: str, now: float) -> QueueCounts:
        lane = self._lanes.get(step)
        if lane is None:
            return QueueCounts()
        waiting = delayed = 0
        next_at: float | None = None
        for delivery in lane.members.values():
            if delivery.id in lane.leased:
                continue
            if delivery.available_at > now:
                delayed += 1
                next_at = min(next_at or delivery.available_at, delivery.available_at)
            else:
                waiting += 1
        return QueueCounts(len(lane.leased), waiting, delayed, next_at)


def _give_back(lane: _Lane, parked: dict[str, list[_Entry]], key: str, count: int) -> None:
    """Move the oldest `count` live entries held back under `key` to the due heap."""
    held = parked.get(key)
    while held and count > 0:
        entry = heapq.heappop(held)
        if lane.valid(entry[1], entry[2]):
            heapq.heappush(lane.ready, entry)
            count -= 1
    if not held:
        parked.pop(key, None)


def _key(delivery: Delivery, path: str | None) -> str:
    return "" if path is None else data_key(delivery.event.data, path)
