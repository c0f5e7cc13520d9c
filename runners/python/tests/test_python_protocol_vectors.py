"""The shared byte-level vectors (tests/protocol_vectors/vectors.json) through the runner's
framing code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from runner_harness import Orchestrator
from steppe_runner.framing import BadFrame, FrameDecoder, FrameError, encode

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
def test_invalid_frame_is_skipped_with_its_request_id(vector: dict[str, Any]) -> None:
    after = FRAMES[0]
    decoded = FrameDecoder().feed(bytes.fromhex(vector["hex"] + after["hex"]))
    assert isinstance(decoded[0], BadFrame)
    assert decoded[0].request_id == vector["id"]
    assert decoded[1:] == [after["value"]]


@pytest.mark.parametrize("vector", VECTORS["fatal"], ids=[v["name"] for v in VECTORS["fatal"]])
def test_a_length_over_the_maximum_is_fatal(vector: dict[str, Any]) -> None:
    with pytest.raises(FrameError):
        FrameDecoder().feed(bytes.fromhex(vector["hex"]))


# The exchanges: the real runner made to produce each error name and exit code the
# schema lists -----------------------------------------------------------------------

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "schemas/protocol.schema.json").read_text()
)
ERROR_NAMES = {choice["const"] for choice in SCHEMA["$defs"]["runnerErrorName"]["oneOf"]}
EXCHANGES = VECTORS["exchanges"]
# This runner's file for each role the exchanges name (fixtures/steps/).
ROLES = {
    "$step": "same_a.step.py",
    "$no_config": "no_config.step.py",
    "$waits": "waits.step.py",
    "$unserialisable": "unserialisable.step.py",
}


def _with_files(frame: dict[str, Any], project: Path) -> dict[str, Any]:
    params = frame.get("p")
    if isinstance(params, dict) and params.get("path") in ROLES:
        params = {**params, "path": str(project / "steps" / ROLES[params["path"]])}
        return {**frame, "p": params}
    return frame


def _check_answer(response: dict[str, Any], answer: str) -> None:
    if answer == "ok":
        assert response["ok"], response
    else:
        assert answer in ERROR_NAMES
        assert not response["ok"] and response["e"]["name"] == answer, response


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
def test_exchange(exchange: dict[str, Any], project: Path) -> None:
    runner = Orchestrator(project)
    runner.hold = True  # the runner's own requests stay unanswered
    try:
        assert runner.next_frame()["m"] == "ready"
        for step in exchange["steps"]:
            if "send_hex" in step:
                assert runner.process.stdin is not None
                runner.process.stdin.write(bytes.fromhex(step["send_hex"]))
                runner.process.stdin.flush()
                request_id = step.get("id")
            else:
                frame = _with_files(step["send"], project)
                runner.send(frame)
                request_id = frame.get("id")
            if "answer" in step:
                _check_answer(runner.response(request_id), step["answer"])
        for later in exchange["later"]:
            _check_answer(runner.response(later["id"]), later["answer"])
        if exchange["close_stdin"]:
            assert runner.close() == exchange["exit"]
        else:
            assert runner.process.wait(timeout=5) == exchange["exit"]
    finally:
        runner.process.kill()
        runner.process.wait()
