"""The shared byte-level vectors (tests/protocol_vectors/vectors.json) through the runner's
framing code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from steppe_runner.framing import FrameDecoder, FrameError, encode

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "tests/protocol_vectors/vectors.json").read_text()
)
FRAMES = VECTORS["frames"]


@pytest.mark.parametrize("vector", FRAMES, ids=[f["name"] for f in FRAMES])
def test_frame_decodes_and_encodes_back(vector: dict[str, Any]) -> None:
    frames = FrameDecoder().feed(bytes.fromhex(vector["hex"]))
    assert frames == [vector["value"]]
    assert encode(vector["value"]).hex() == vector["hex"]


def test_stream_fed_byte_by_byte() -> None:
    decoder = FrameDecoder()
    decoded = []
    for byte in bytes.fromhex(VECTORS["stream"]["hex"]):
        decoded.extend(decoder.feed(bytes([byte])))
    assert len(decoded) == VECTORS["stream"]["count"]
    assert decoded == [f["value"] for f in FRAMES]


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=[v["name"] for v in VECTORS["invalid"]])
def test_invalid_frame_is_rejected(vector: dict[str, Any]) -> None:
    with pytest.raises(FrameError):
        FrameDecoder().feed(bytes.fromhex(vector["hex"]))
