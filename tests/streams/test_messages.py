"""The Motia wire messages: their shapes, the client's join/leave, and the timestamps the
Motia client relies on being strictly increasing."""

from __future__ import annotations

import itertools
import json

import pytest

from orchestrator.services.streams.messages import (
    BadMessage,
    Channel,
    Clock,
    change_message,
    encode,
    event_message,
    parse_client_message,
)


def test_timestamps_never_repeat_even_within_a_millisecond() -> None:
    clock = Clock()
    stamps = [clock.now_ms() for _ in range(5000)]
    assert all(later > earlier for earlier, later in itertools.pairwise(stamps))


def test_group_messages_carry_no_id_and_item_messages_do() -> None:
    group = change_message(7, Channel("s", "g"), "sync", [])
    assert group == {
        "timestamp": 7,
        "streamName": "s",
        "groupId": "g",
        "event": {"type": "sync", "data": []},
    }
    item = change_message(8, Channel("s", "g", "a"), "update", {"id": "a"})
    assert list(item) == ["timestamp", "streamName", "groupId", "id", "event"]
    custom = event_message(9, Channel("s", "g"), "typing", {"who": "x"})
    assert custom["event"] == {"type": "event", "event": {"type": "typing", "data": {"who": "x"}}}


def test_encoding_is_compact_and_refuses_what_json_parse_cannot_read() -> None:
    assert encode({"a": "☃", "b": [1]}) == '{"a":"☃","b":[1]}'
    with pytest.raises(ValueError):
        encode({"n": float("nan")})


def test_joins_and_leaves_parse_and_anything_else_is_a_bad_message() -> None:
    data = {"streamName": "s", "groupId": "g", "id": "a", "subscriptionId": "x"}
    join = parse_client_message(json.dumps({"type": "join", "data": data}))
    assert (join.action, join.channel, join.subscription_id) == (
        "join",
        Channel("s", "g", "a"),
        "x",
    )
    assert join.as_input() == {"streamName": "s", "groupId": "g", "id": "a"}
    leave = parse_client_message(b'{"type": "leave", "data": {"streamName": "s", "groupId": "g"}}')
    assert leave.action == "leave" and leave.subscription_id  # a stand-in id, the same for a join
    with pytest.raises(BadMessage) as unknown:
        parse_client_message('{"type": "hello", "data": {"streamName": "s", "groupId": "g"}}')
    assert unknown.value.code == "UNKNOWN_MESSAGE" and unknown.value.channel == Channel("s", "g")
    for raw in (
        "",
        "{",
        "null",
        '{"type": "join"}',
        '{"type": "join", "data": {"streamName": ""}}',
    ):
        with pytest.raises(BadMessage):
            parse_client_message(raw)
