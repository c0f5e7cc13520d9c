"""Streams (docs/reference.md §5): the handlers' `streams.<name>.*` calls, WebSocket joins,
and expiry.

Every change to a group is written and then published while that group's lock is
held, and a join reads its snapshot and subscribes under the same lock. So for
each group, a subscriber sees its `sync` first and then every later change in
the order it was made, never a change that the snapshot already contained
followed by an older state.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio
from jsonschema.exceptions import SchemaError

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSON, JSONMap
from orchestrator.model.step import StreamDef
from orchestrator.model.validation import DataValidator
from orchestrator.runtime.host import Invocation
from orchestrator.services.change_triggers import ChangeTriggers, ItemChange, Origin
from orchestrator.services.project import Project
from orchestrator.services.streams.access import LEAVE_FUNCTION, AccessChecker
from orchestrator.services.streams.auth import ConnectionAuth
from orchestrator.services.streams.hub import Client, StreamHub
from orchestrator.services.streams.messages import (
    ChangeType,
    Channel,
    Clock,
    Subscription,
    change_message,
    encode,
    error_message,
    event_message,
)
from orchestrator.stores.streams.base import StreamStore, UpdateOutcome
from orchestrator.stores.update_ops import UpdateOp, UpdateResult, parse_ops

_IDLE_SWEEP = 3600.0
"""Seconds the sweeper sleeps when nothing expires; a set with a ttl wakes it sooner."""

# One WebSocket connection's subscriptions (a browser tab has a handful; a client that
# keeps joining with new ids is refused rather than allowed to grow without bound).
MAX_SUBSCRIPTIONS_PER_CONNECTION = 1000


class _GroupLocks:
    """One lock per (stream, group), kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[trio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, stream: str, group: str) -> AsyncIterator[None]:
        key = (stream, group)
        lock, users = self._locks.setdefault(key, (trio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]


class StreamsService:
    """Serves `streams.*` context calls and WebSocket subscriptions over one store and hub."""

    def __init__(
        self,
        streams: Mapping[str, StreamDef],
        store: StreamStore,
        hub: StreamHub,
        access: AccessChecker,
        auth: ConnectionAuth,
    ) -> None:
        self.streams = streams
        self.store = store
        self.hub = hub
        self.access = access
        self.auth = auth
        # Subscriptions that ended, for their stream's onLeave (run by `serve`, so that a
        # leave or a disconnect never waits on a runner).
        self._leaves, self._left = trio.open_memory_channel[tuple[JSON, Channel]](math.inf)
        hub.on_disconnect = self._ended
        self._clock = Clock()
        self._locks = _GroupLocks()
        self._validators: dict[str, DataValidator | None] = {}
        self._wake = trio.Event()
        self._next_due: float | None = None
        # The stream triggers each change is reported to (set once the bus exists).
        self.changes: ChangeTriggers | None = None

    def use_project(self, project: Project) -> None:
        """Serve a reloaded project's streams; compiled schemas go with the old ones."""
        self.streams = project.streams
        self.auth.file = project.stream_auth
        self._validators = {}

    # Names

    def resolve(self, name: str) -> StreamDef | None:
        """The stream called `name`; `chatMessages` also finds `chat-messages` (handlers
        reach streams as attributes, where a dash cannot appear)."""
        found = self.streams.get(name)
        if found is not None:
            return found
        wanted = _plain_name(name)
        matches = [s for s in self.streams.values() if _plain_name(s.name) == wanted]
        return matches[0] if len(matches) == 1 else None

    def _stream_of(self, method: str, params: Mapping[str, Any]) -> StreamDef:
        name = params.get("stream")
        stream = self.resolve(name) if isinstance(name, str) else None
        if stream is None:
            known = ", ".join(sorted(self.streams)) or "none"
            raise CallbackError(
                "UnknownStream",
                f"{method}: there is no stream named {name!r} (the project's streams: {known})",
            )
        return stream

    # The handler context

    async def call(self, invocation: Invocation, method: str, params: JSONMap) -> JSON:
        stream = self._stream_of(method, params)
        origin = Origin.of(invocation)
        if method == "streams.get":
            return await self.get(stream, _text(params, "groupId"), _text(params, "id"))
        if method in ("streams.set", "streams.replace"):
            if "data" not in params:
                call = method.removeprefix("streams.")
                raise CallbackError("ValidationError", f"streams.{stream.name}.{call} needs data")
            written = await self.set(
                stream, _text(params, "groupId"), _text(params, "id"), params["data"], origin
            )
            # `replace` answers as Motia 1.0's set, {new_value, old_value}; `set` as 0.17's.
            return written.as_json() if method == "streams.replace" else written.new_value
        if method == "streams.delete":
            return await self.delete(stream, _text(params, "groupId"), _text(params, "id"), origin)
        if method in ("streams.getGroup", "streams.list"):  # `list` is Motia 1.0's name
            return await self.get_group(stream, _text(params, "groupId"))
        if method == "streams.listGroups":
            return list(await self.store.list_groups(stream.name, time.time()))
        if method == "streams.update":
            group, item_id = _text(params, "groupId"), _text(params, "id")
            where = f"streams.{stream.name}.update({group!r}, {item_id!r})"
            ops = parse_ops(params.get("ops"), where)
            return (await self.update(stream, group, item_id, ops, origin)).as_json()
        if method == "streams.send":
            await self.send(stream, params.get("channel"), params.get("event"), origin)
            return None
        raise CallbackError("UnknownMethod", f"the context has no '{method}'")

    async def get(self, stream: StreamDef, group: str, item_id: str) -> JSONMap | None:
        return await self.store.get(stream.name, group, item_id, time.time())

    async def get_group(self, stream: StreamDef, group: str) -> list[JSONMap]:
        return await self.store.get_group(stream.name, group, time.time())

    async def set(
        self,
        stream: StreamDef,
        group: str,
        item_id: str,
        data: JSON,
        origin: Origin | None = None,
    ) -> UpdateResult:
        """Validate, store and publish; returns the item replaced (None when there was
        none) and the stored one (the data plus `id`). `origin`: the handler that made
        the change, whose trace a stream trigger's delivery continues (None: a new trace)."""
        if not isinstance(data, dict):
            raise CallbackError(
                "ValidationError",
                f"streams.{stream.name}.set: data must be an object, got {_json_type(data)}",
            )
        item = {**data, "id": item_id}
        self._validate(stream, item)
        try:
            # Refused now rather than when it is published: NaN or an infinity cannot reach
            # a browser's JSON.parse, and must not reach the store either.
            encode(item)
        except ValueError as exc:
            raise CallbackError(
                "ValidationError", f"streams.{stream.name}.set: the item is not JSON: {exc}"
            ) from None
        ttl = stream.base_config.get("ttl")
        max_items = stream.base_config.get("maxItems")
        async with self._locks.hold(stream.name, group):
            now = time.time()
            expires_at = now + float(ttl) if isinstance(ttl, int | float) else None
            outcome = await self.store.set(
                stream.name,
                group,
                item,
                now=now,
                expires_at=expires_at,
                max_items=max_items if isinstance(max_items, int) else None,
            )
            kind: ItemChange = "create" if outcome.created else "update"
            await self._changed(origin, stream.name, group, item_id, kind, item)
            for old in outcome.evicted:
                await self._changed(origin, stream.name, group, str(old.get("id")), "delete", old)
        self._note_expiry(expires_at)
        return UpdateResult(outcome.old, item)

    def _note_expiry(self, expires_at: float | None) -> None:
        """Wake the sweeper when an item now expires before anything it waits for."""
        if expires_at is not None and (self._next_due is None or expires_at < self._next_due):
            self._next_due = expires_at
            self._wake.set()

    async def update(
        self,
        stream: StreamDef,
        group: str,
        item_id: str,
        ops: list[UpdateOp],
        origin: Origin | None = None,
    ) -> UpdateResult:
        """Apply Motia 1.0's update ops to the item atomically (a missing item starts as
        `{}`), validate the result against the stream's schema, store and publish it as
        `set` does; returns the old item (None when it was missing) and the new one."""
        ttl = stream.base_config.get("ttl")
        max_items = stream.base_config.get("maxItems")
        # Compiled here: the check may run on a store's worker thread, which should only read.
        self._validator(stream)
        async with self._locks.hold(stream.name, group):
            now = time.time()
            expires_at = now + float(ttl) if isinstance(ttl, int | float) else None
            outcome: UpdateOutcome = await self.store.update(
                stream.name,
                group,
                item_id,
                ops,
                now=now,
                expires_at=expires_at,
                max_items=max_items if isinstance(max_items, int) else None,
                check=lambda item: self._validate(stream, item, "update"),
            )
            kind: ItemChange = "create" if outcome.created else "update"
            await self._changed(origin, stream.name, group, item_id, kind, outcome.new)
            for old in outcome.evicted:
                await self._changed(origin, stream.name, group, str(old.get("id")), "delete", old)
        self._note_expiry(expires_at)
        return UpdateResult(outcome.old, outcome.new)

    async def delete(
        self, stream: StreamDef, group: str, item_id: str, origin: Origin | None = None
    ) -> JSONMap | None:
        async with self._locks.hold(stream.name, group):
            old = await self.store.delete(stream.name, group, item_id, time.time())
            if old is not None:
                await self._changed(origin, stream.name, group, item_id, "delete", old)
        return old

    async def send(
        self, stream: StreamDef, channel: Any, event: Any, origin: Origin | None = None
    ) -> None:
        """A custom event to the group's (or item's) subscribers; nothing is stored."""
        where = f"streams.{stream.name}.send"
        if not isinstance(channel, dict) or not isinstance(channel.get("groupId"), str):
            raise CallbackError("ValidationError", f"{where}: the channel needs a groupId string")
        item_id = channel.get("id")
        if item_id is not None and not isinstance(item_id, str):
            raise CallbackError("ValidationError", f"{where}: the channel's id must be a string")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise CallbackError("ValidationError", f"{where}: the event needs a type string")
        target = Channel(stream.name, channel["groupId"], item_id or None)
        message = event_message(self._clock.now_ms(), target, event["type"], event.get("data"))
        self.hub.publish(target, encode(message))
        if self.changes is not None:
            custom = {"type": event["type"], "data": event.get("data")}
            await self.changes.stream_changed(
                origin, stream.name, target.group, target.item_id, "event", custom
            )

    async def _changed(
        self,
        origin: Origin | None,
        stream: str,
        group: str,
        item_id: str,
        kind: ItemChange,
        item: JSONMap,
    ) -> None:
        """Publish a change to subscribers and report it to the stream triggers; called
        under the group's lock, so both see the group's changes in the order made."""
        self._publish(stream, group, item_id, kind, item)
        if self.changes is not None:
            await self.changes.stream_changed(origin, stream, group, item_id, kind, item)

    def _publish(
        self, stream: str, group: str, item_id: str, kind: ChangeType, item: JSONMap
    ) -> None:
        channel = Channel(stream, group, item_id)
        # Encoded once here, whatever the number of subscribers.
        self.hub.publish(channel, encode(change_message(self._clock.now_ms(), channel, kind, item)))

    def _validate(self, stream: StreamDef, item: JSONMap, operation: str = "set") -> None:
        validator = self._validator(stream)
        if validator is None:
            return
        properties = (stream.schema or {}).get("properties")
        # A schema that does not declare `id` (zod objects forbid unknown keys) judges the
        # data as the handler wrote it; one that declares it judges the stored item.
        declares_id = isinstance(properties, dict) and "id" in properties
        checked = item if declares_id else {k: v for k, v in item.items() if k != "id"}
        errors = validator.errors(checked)
        if errors:
            details = "; ".join(f"{e.path or '(item)'}: {e.message}" for e in errors)
            raise CallbackError(
                "ValidationError",
                f"streams.{stream.name}.{operation}: the item does not match the schema of stream "
                f"'{stream.name}' [{stream.path}]: {details}",
            )

    def _validator(self, stream: StreamDef) -> DataValidator | None:
        if stream.name not in self._validators:
            schema = stream.schema
            try:
                self._validators[stream.name] = DataValidator(schema) if schema else None
            except SchemaError as exc:
                raise CallbackError(
                    "ConfigError",
                    f"stream '{stream.name}' has a schema that is not valid JSON Schema "
                    f"[{stream.path}]: {exc.message}",
                ) from None
        return self._validators[stream.name]

    # WebSocket subscriptions

    async def join(self, client: Client, subscription: Subscription) -> None:
        """Check access (canAccess, onJoin), then send the snapshot (`sync`) and subscribe,
        in one step under the group's lock. A refusal is an `error` event to this client,
        with no data. A join that reuses a subscription id ends the one it replaces."""
        channel = subscription.channel
        known = subscription.subscription_id in client.subscriptions
        if not known and len(client.subscriptions) >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            self.tell_error(
                client,
                f"a connection may hold {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions; "
                "leave one first",
                "TOO_MANY_SUBSCRIPTIONS",
                channel,
            )
            return
        # Exact names only: the client files the messages it receives under the name it used.
        stream = self.streams.get(channel.stream)
        if stream is None:
            self.tell_error(
                client, f"there is no stream named {channel.stream!r}", "NOT_FOUND", channel
            )
            return
        decision = await self.access.join(stream, subscription.as_input(), client.auth_context)
        if not decision.allowed:
            self.tell_error(client, decision.reason, "FORBIDDEN", channel)
            return
        replaced = client.subscriptions.get(subscription.subscription_id)
        if replaced is not None:
            self._ended(client, replaced)
        async with self._locks.hold(stream.name, channel.group):
            now = time.time()
            snapshot: JSON
            if channel.item_id is None:
                snapshot = await self.store.get_group(stream.name, channel.group, now)
            else:
                snapshot = await self.store.get(stream.name, channel.group, channel.item_id, now)
            self.hub.subscribe(client, subscription.subscription_id, channel)
            sync = change_message(self._clock.now_ms(), channel, "sync", snapshot)
            self.hub.send(client, encode(sync))

    def leave(self, client: Client, subscription: Subscription) -> None:
        channel = client.subscriptions.get(subscription.subscription_id)
        if self.hub.unsubscribe(client, subscription.subscription_id) and channel is not None:
            self._ended(client, channel)

    def _ended(self, client: Client, channel: Channel) -> None:
        """A subscription ended (a leave, a replacing join, a disconnect): queue its onLeave."""
        stream = self.streams.get(channel.stream)
        if stream is not None and LEAVE_FUNCTION in stream.handlers:
            self._leaves.send_nowait((client.auth_context, channel))

    async def _run_leaves(self) -> None:
        async with trio.open_nursery() as nursery:
            async for auth_context, channel in self._left:
                stream = self.streams.get(channel.stream)
                if stream is not None:
                    subscription = Subscription("leave", channel, "").as_input()
                    nursery.start_soon(self.access.leave, stream, subscription, auth_context)

    def tell_error(
        self, client: Client, message: str, code: str, channel: Channel | None = None
    ) -> None:
        self.hub.send(client, encode(error_message(self._clock.now_ms(), message, code, channel)))

    # Expiry

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run ended subscriptions' onLeave, flush the hub's held frames (hub.py), and
        remove items as their ttl runs out, telling subscribers (`delete`). Reads never
        return an expired item, so this only has to keep subscribers and disk in step,
        not be punctual to the millisecond."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._run_leaves)
            nursery.start_soon(self.hub.flush_held)
            task_status.started()
            await self._expire()

    async def _expire(self) -> None:
        while True:
            for stream, group in await self.store.expired_groups(time.time()):
                async with self._locks.hold(stream, group):
                    for item in await self.store.expire(stream, group, time.time()):
                        item_id = str(item.get("id"))
                        await self._changed(None, stream, group, item_id, "delete", item)
            due = await self.store.next_expiry()
            self._next_due = due
            delay = _IDLE_SWEEP if due is None else max(0.01, due - time.time())
            with trio.move_on_after(delay):
                await self._wake.wait()
            self._wake = trio.Event()


def _plain_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise CallbackError(
            "ValidationError", f"'{name}' must be a non-empty string (got {_json_type(value)})"
        )
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string" if value else "an empty string"
    return "array" if isinstance(value, list) else type(value).__name__
