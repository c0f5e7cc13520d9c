"""The framing layer against the shared protocol vectors (bytes in, messages out, and back)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import msgpack
import pytest

from orchestrator.core.errors import ProtocolError
from orchestrator.rpc import wire

VECTORS = json.loads(
    (Path(__file__).parents[1] / "protocol_vectors" / "vectors.json").read_text(encoding="utf-8")
)
SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "protocol.schema.json").read_text(encoding="utf-8")
)


def _framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def _message_of(value: dict[str, Any]) -> wire.Message:
    if value["t"] == "req":
        return wire.Request(value["id"], value["m"], value["p"])
    if value["t"] == "note":
        return wire.Notification(value["m"], value["p"])
    return wire.Response(value["id"], value["ok"], value.get("r"), value.get("e"))


@pytest.mark.parametrize("frame", VECTORS["frames"], ids=lambda f: f["name"])
def test_vector_decodes_to_its_message(frame: dict[str, Any]) -> None:
    assert wire.Decoder().feed(bytes.fromhex(frame["hex"])) == [_message_of(frame["value"])]


@pytest.mark.parametrize("frame", VECTORS["frames"], ids=lambda f: f["name"])
def test_message_encodes_to_the_vector_bytes(frame: dict[str, Any]) -> None:
    assert wire.encode(_message_of(frame["value"])).hex() == frame["hex"]


def test_stream_fed_one_byte_at_a_time_yields_every_frame_in_order() -> None:
    decoder = wire.Decoder()
    data = bytes.fromhex(VECTORS["stream"]["hex"])
    messages = [m for i in range(len(data)) for m in decoder.feed(data[i : i + 1])]
    assert messages == [_message_of(f["value"]) for f in VECTORS["frames"]]
    assert len(messages) == VECTORS["stream"]["count"]


def test_many_frames_in_one_chunk() -> None:
    data = bytes.fromhex(VECTORS["stream"]["hex"]) * 3
    assert len(wire.Decoder().feed(data)) == 3 * VECTORS["stream"]["count"]


@pytest.mark.parametrize("case", VECTORS["invalid"] + VECTORS["fatal"], ids=lambda c: c["name"])
def test_invalid_frames_are_protocol_errors(case: dict[str, str]) -> None:
    """The orchestrator skips no frame: a runner's frames come from its own encoder."""
    with pytest.raises(ProtocolError):
        wire.Decoder().feed(bytes.fromhex(case["hex"]))


def test_invalid_utf8_text_is_a_protocol_error() -> None:
    frame = b"\x83\xa1t\xa4note\xa1m\xa3log\xa1p\xa2\xff\xfe"
    with pytest.raises(ProtocolError, match="malformed"):
        wire.Decoder().feed(_framed(frame))


def test_failed_response_needs_an_error_map() -> None:
    with pytest.raises(ProtocolError, match="without an error"):
        wire.Decoder().feed(_framed(msgpack.packb({"t": "res", "id": 1, "ok": False})))


def test_oversized_frame_is_refused() -> None:
    decoder = wire.Decoder(max_frame_bytes=1024)
    big = msgpack.packb({"t": "note", "m": "log", "p": {"msg": "x" * 4096}})
    with pytest.raises(ProtocolError, match="maximum frame size"):
        decoder.feed(_framed(big)[:8])  # refused from its length, before the rest arrives


def test_a_message_over_the_frame_limit_is_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "MAX_FRAME_BYTES", 1024)
    with pytest.raises(wire.FrameTooLarge, match="frame limit"):
        wire.encode_request(1, "invoke", {"input": "x" * 4096})


def test_error_response_round_trips() -> None:
    error = {"name": "TypeError", "message": "bad", "stack": None}
    data = wire.encode_error(9, error)
    assert wire.Decoder().feed(data) == [wire.Response(9, False, None, error)]


# The exchanges every runner's tests replay (their answers are checked there) ---------


def _schema_consts(name: str) -> set[Any]:
    return {choice["const"] for choice in SCHEMA["$defs"][name]["oneOf"]}


def test_exchanges_make_runners_produce_every_error_name_of_the_schema_and_no_other() -> None:
    answers = [
        step["answer"]
        for exchange in VECTORS["exchanges"]
        for step in [*exchange["steps"], *exchange["later"]]
        if "answer" in step
    ]
    assert {a for a in answers if a != "ok"} == _schema_consts("runnerErrorName")


def test_exchanges_end_with_exit_codes_of_the_schema() -> None:
    assert {e["exit"] for e in VECTORS["exchanges"]} <= _schema_consts("runnerExitCode")


@pytest.mark.parametrize("exchange", VECTORS["exchanges"], ids=lambda e: e["name"])
def test_exchange_frames_are_well_formed(exchange: dict[str, Any]) -> None:
    frames = [step["send"] for step in exchange["steps"] if "send" in step]
    messages = [_message_of(frame) for frame in frames]
    assert wire.Decoder().feed(b"".join(wire.encode(m) for m in messages)) == messages
    for step in exchange["steps"]:
        if "send_hex" in step:
            with pytest.raises(ProtocolError):
                wire.Decoder().feed(bytes.fromhex(step["send_hex"]))
