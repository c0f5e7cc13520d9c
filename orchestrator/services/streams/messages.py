"""The Motia stream protocol on the wire (docs/reference.md §5), built and parsed in one place.

Server → client: `{timestamp, streamName, groupId, id?, event}` where `event` is
`{type: 'sync'|'create'|'update'|'delete', data}` or `{type: 'event', event: {type, data}}`.
Client → server: `{type: 'join'|'leave', data: {streamName, groupId, id?, subscriptionId}}`.

The Motia client routes a message by its `id`: with one it goes to the item's
listeners and (unless it is a sync) to the group's; without one, to the group's
only. So a group snapshot never carries `id`, and an item snapshot always does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.core.types import JSON, JSONMap

ChangeType = Literal["sync", "create", "update", "delete"]


class Clock:
    """Millisecond timestamps that never repeat or go back.

    The Motia client drops a message whose timestamp is not newer than the last one
    its item subscription saw, so two updates within one millisecond must still get
    different stamps; under a burst the stamps run ahead of the wall clock and
    fall back in step as soon as the burst ends.
    """

    def __init__(self) -> None:
        self._last = 0

    def now_ms(self) -> int:
        now = time.time_ns() // 1_000_000
        self._last = now if now > self._last else self._last + 1
        return self._last


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a message goes: a stream's group, or one item of it."""

    stream: str
    group: str
    item_id: str | None = None


def encode(message: JSONMap) -> str:
    """JSON text, compact; NaN and infinities cannot reach a browser's JSON.parse."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _message(timestamp: int, channel: Channel, event: JSONMap) -> JSONMap:
    message: JSONMap = {
        "timestamp": timestamp,
        "streamName": channel.stream,
        "groupId": channel.group,
    }
    if channel.item_id is not None:
        message["id"] = channel.item_id
    message["event"] = event
    return message


def change_message(timestamp: int, channel: Channel, kind: ChangeType, data: JSON) -> JSONMap:
    return _message(timestamp, channel, {"type": kind, "data": data})


def event_message(timestamp: int, channel: Channel, event_type: str, data: JSON) -> JSONMap:
    """A custom event (`streams.x.send`), or an error told to one client."""
    return _message(
        timestamp, channel, {"type": "event", "event": {"type": event_type, "data": data}}
    )


def error_message(
    timestamp: int, message: str, code: str, channel: Channel | None = None
) -> JSONMap:
    """An `error` event, addressed to the subscription it concerns when there is one."""
    data = {"message": message, "code": code}
    if channel is None:
        return {
            "timestamp": timestamp,
            "event": {"type": "event", "event": {"type": "error", "data": data}},
        }
    return event_message(timestamp, channel, "error", data)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A join or leave: the channel, and the client's id for this subscription."""

    action: Literal["join", "leave"]
    channel: Channel
    subscription_id: str

    def as_input(self) -> JSONMap:
        """What `canAccess` receives as its first argument (Motia's StreamSubscription)."""
        data: JSONMap = {"streamName": self.channel.stream, "groupId": self.channel.group}
        if self.channel.item_id is not None:
            data["id"] = self.channel.item_id
        return data


class BadMessage(Exception):
    """Raised for a client message that is not a join or leave we can act on; the
    text is what the client is told. `channel` is set when the message named one."""

    def __init__(self, text: str, code: str, channel: Channel | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.channel = channel


# A client's names are kept for as long as it is subscribed: bounded, like its count of
# subscriptions (`StreamsService.join`), so one connection cannot hold unbounded memory.
MAX_NAME_LENGTH = 256


def parse_client_message(raw: str | bytes) -> Subscription:
    """A join or leave from its JSON text; raises BadMessage saying what is wrong."""
    try:
        message: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadMessage("the message is not JSON", "BAD_MESSAGE") from None
    except RecursionError:
        raise BadMessage("the message is nested too deeply", "BAD_MESSAGE") from None
    if not isinstance(message, dict):
        raise BadMessage("a message must be a JSON object", "BAD_MESSAGE")
    kind = message.get("type")
    data = message.get("data")
    channel = _channel_of(data)
    if kind not in ("join", "leave"):
        raise BadMessage(
            f"unknown message type {kind!r}; expected 'join' or 'leave'", "UNKNOWN_MESSAGE", channel
        )
    if channel is None:
        raise BadMessage(
            f"{kind} needs data with streamName and groupId (non-empty strings)",
            "BAD_MESSAGE",
        )
    assert isinstance(data, dict)  # _channel_of returned a channel
    item_id = data.get("id")
    if item_id is not None and not (isinstance(item_id, str) and item_id):
        raise BadMessage("id must be a non-empty string when given", "BAD_MESSAGE", channel)
    subscription_id = data.get("subscriptionId")
    if subscription_id is not None and not isinstance(subscription_id, str):
        raise BadMessage("subscriptionId must be a string", "BAD_MESSAGE", channel)
    for field in ("streamName", "groupId", "id", "subscriptionId"):
        value = data.get(field)
        if isinstance(value, str) and len(value) > MAX_NAME_LENGTH:
            raise BadMessage(
                f"{field} is longer than {MAX_NAME_LENGTH} characters", "BAD_MESSAGE", channel
            )
    # A client that names no subscription gets one per channel, so leave still finds it.
    fallback = f"{channel.stream}\0{channel.group}\0{channel.item_id or ''}"
    return Subscription(kind, channel, subscription_id or fallback)


def _channel_of(data: Any) -> Channel | None:
    if not isinstance(data, dict):
        return None
    stream, group, item_id = data.get("streamName"), data.get("groupId"), data.get("id")
    if not (isinstance(stream, str) and stream and isinstance(group, str) and group):
        return None
    # A malformed id is reported by the caller; the channel is still the group's.
    return Channel(stream, group, item_id if isinstance(item_id, str) and item_id else None)
