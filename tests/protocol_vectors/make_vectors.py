"""Regenerate vectors.json: `python tests/protocol_vectors/make_vectors.py`.

Each frame's `hex` is its 4-byte big-endian length, then the canonical msgpack encoding
of `value` (smallest int and string forms, float64 for non-integral numbers, keys in
the order shown). Every runner's test decodes `hex` to `value` and encodes `value` back
to `hex`; the `stream` case is all frames concatenated, to be decoded when fed one byte
at a time. Non-integral floats only: JavaScript cannot tell 2.0 from 2.

The `invalid` frames are well delimited but not decodable, or not well-formed frames:
every runner's decoder skips each one as a bad frame, reading the request `id` when it
has one (null otherwise), and goes on. The `fatal` bytes start with a length over
64 MiB, after which no frame boundary can be trusted.

The `exchanges` are conversations every runner's tests hold with a real runner
process, to make it produce each error name of the schema's `runnerErrorName` and
end with the schema's exit codes. Each step sends a frame (`send`, or raw bytes as
`send_hex` with the `id` to be answered); a step with `answer` waits for the response
to that frame's id: "ok" for ok=true, else the error name. `later` lists answers that
come after the last step, in any order. Then the runner must exit with `exit`, after the test closes
its stdin when `close_stdin` is true, on its own otherwise. A `path` of "$role"
stands for a file of the runner's own language, described in `roles`.
"""

import json
import struct
from pathlib import Path
from typing import Any

import msgpack

SCHEMA = Path(__file__).parents[2] / "schemas" / "protocol.schema.json"

FRAMES = [
    (
        "request_load",
        {"t": "req", "id": 1, "m": "load", "p": {"path": "/p/steps/a.step.ts", "kind": "step"}},
    ),
    (
        "request_invoke",
        {
            "t": "req",
            "id": 4294967296,
            "m": "invoke",
            "p": {
                "iid": 7,
                "path": "/p/steps/b.step.py",
                "fn": "handler",
                "input": {
                    "body": {"n": -1, "big": 9007199254740991, "neg": -2147483649, "f": 1.5},
                    "headers": {},
                    "pathParams": {"id": "42"},
                    "queryParams": {},
                },
                "ctx": {"traceId": "t-1", "step": "B", "flows": ["orders"]},
            },
        },
    ),
    (
        "response_ok",
        {
            "t": "res",
            "id": 1,
            "ok": True,
            "r": {"config": {"type": "api"}, "handlers": ["handler"], "deps": []},
        },
    ),
    ("response_nil", {"t": "res", "id": 2, "ok": True, "r": None}),
    (
        "response_error",
        {
            "t": "res",
            "id": 3,
            "ok": False,
            "e": {
                "name": "TypeError",
                "message": "x is not a function",
                "stack": "TypeError: x\n    at h (a.step.ts:3:5)",
            },
        },
    ),
    (
        "note_log",
        {
            "t": "note",
            "m": "log",
            "p": {
                "iid": 7,
                "level": "info",
                "msg": "héllo wörld ✓ 🚀",
                "fields": {"a": [1, 2.25, True, False, None]},
                "source": "logger",
            },
        },
    ),
    (
        "state_set",
        {
            "t": "req",
            "id": 300,
            "m": "state.set",
            "p": {
                "iid": 7,
                "group": "orders:eu/1",
                "key": "a:b/c",
                "value": {"nested": {"deep": [[], {}, ""]}},
            },
        },
    ),
    (
        "state_update",
        {
            "t": "req",
            "id": 301,
            "m": "state.update",
            "p": {
                "iid": 7,
                "group": "counters",
                "key": "hits",
                "ops": [
                    {"type": "increment", "path": "n", "by": 1},
                    {"type": "decrement", "path": "left", "by": -2.5},
                    {"type": "set", "path": "status", "value": "done"},
                    {"type": "merge", "value": {"a": [1]}},
                    {"type": "remove", "path": "tmp"},
                ],
            },
        },
    ),
    ("long_string", {"t": "note", "m": "log", "p": {"level": "warn", "msg": "x" * 300}}),
    (
        "many_keys",
        {
            "t": "req",
            "id": 65536,
            "m": "emit",
            "p": {"iid": 1, "topic": "t", "data": {f"k{i}": i - 8 for i in range(20)}},
        },
    ),
]


def _framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


# A request cut short after its method: no decoder can finish it, every one can read its id.
TRUNCATED = b"\x84\xa1t\xa3req\xa2id\x07\xa1m\xa4ping"
# Frames that every decoder skips as bad (as hex), with the request id it can still read.
INVALID = [
    ("not_a_map", _framed(msgpack.packb([1, 2, 3])), None),
    ("unknown_kind", _framed(msgpack.packb({"t": "zap", "m": "x", "p": {}})), None),
    ("response_without_id", _framed(msgpack.packb({"t": "res", "ok": True, "r": None})), None),
    ("truncated_request", _framed(TRUNCATED), 7),
    (
        "trailing_bytes",
        _framed(msgpack.packb({"t": "req", "id": 8, "m": "ping", "p": 1}) + b"\0"),
        8,
    ),
    ("empty_method", _framed(msgpack.packb({"t": "req", "id": 9, "m": "", "p": {}})), 9),
]
# Bytes after which a runner exits 1: a length over 64 MiB ("hell" read as a length).
FATAL = [
    ("text_garbage", b"hello\n"),
    ("length_over_maximum", struct.pack(">I", 64 * 1024 * 1024 + 1)),
]


ROLES = {
    "$step": "a step file with a config and a handler, and no canAccess",
    "$no_config": "a file that defines a handler but no config",
    "$waits": "a step whose handler waits for the answer to state.get, which never comes",
    "$unserialisable": "a step whose handler returns a value JSON cannot carry",
}
NOWHERE = "/nowhere/never-loaded.step"
CTX = {"traceId": "t-1", "step": "S", "flows": []}


def _req(request_id: int, method: str, params: Any) -> dict[str, Any]:
    return {"t": "req", "id": request_id, "m": method, "p": params}


def _load(request_id: int, path: str) -> dict[str, Any]:
    return _req(request_id, "load", {"path": path, "kind": "step"})


def _invoke(request_id: int, iid: int, path: Any, **more: Any) -> dict[str, Any]:
    return _req(request_id, "invoke", {"iid": iid, "path": path, "ctx": CTX, **more})


def _step(frame: dict[str, Any], answer: str | None = None) -> dict[str, Any]:
    return {"send": frame} if answer is None else {"send": frame, "answer": answer}


def _exchange(
    name: str,
    steps: list[dict[str, Any]],
    later: tuple[tuple[int, str], ...] = (),
    exit: int = 0,
    close_stdin: bool = True,
) -> dict[str, Any]:
    return {
        "name": name,
        "steps": steps,
        "later": [{"id": i, "answer": a} for i, a in later],
        "exit": exit,
        "close_stdin": close_stdin,
    }


EXCHANGES = [
    _exchange("unknown_method", [_step(_req(1, "reticulate", {}), "UnknownMethod")]),
    _exchange(
        "params_not_a_map_with_a_path",
        [
            _step(_req(1, "invoke", [1]), "InvalidParams"),
            _step(_req(2, "load", "x"), "InvalidParams"),
            _step(_req(3, "unload", None), "InvalidParams"),
            _step(_invoke(4, 1, 7, input={}), "InvalidParams"),
        ],
    ),
    _exchange("invoke_never_loaded", [_step(_invoke(1, 1, NOWHERE, input={}), "NotLoaded")]),
    _exchange(
        "invoke_after_unload",
        [
            _step(_load(1, "$step"), "ok"),
            _step(_req(2, "unload", {"path": "$step"}), "ok"),
            _step(_invoke(3, 1, "$step", input={}), "NotLoaded"),
        ],
    ),
    _exchange(
        "invoke_of_a_function_the_file_lacks",
        [
            _step(_load(1, "$step"), "ok"),
            _step(_invoke(2, 1, "$step", fn="canAccess", input={}), "NoSuchFunction"),
        ],
    ),
    _exchange("load_without_config", [_step(_load(1, "$no_config"), "ConfigError")]),
    _exchange(
        "unserialisable_result",
        [
            _step(_load(1, "$unserialisable"), "ok"),
            _step(_invoke(2, 1, "$unserialisable", input={}), "SerializationError"),
        ],
    ),
    # An invocation in flight keeps the runner up after shutdown; cancelling it lets
    # the shutdown finish.
    _exchange(
        "shutdown_refuses_all_but_ping_then_cancel_ends_it",
        [
            _step(_load(1, "$waits"), "ok"),
            _step(_invoke(2, 1, "$waits", input={"key": "k"})),
            _step(_req(3, "shutdown", {})),
            _step(_invoke(4, 2, "$waits", input={"key": "k"}), "ShuttingDown"),
            _step(_load(5, "$step"), "ShuttingDown"),
            _step(_req(6, "unload", {"path": "$step"}), "ShuttingDown"),
            _step(_req(7, "reticulate", {}), "ShuttingDown"),
            _step(_req(8, "shutdown", {}), "ShuttingDown"),
            _step(_req(9, "ping", "still here"), "ok"),
            _step({"t": "note", "m": "cancel", "p": {"iid": 1}}),
        ],
        later=((2, "Cancelled"), (3, "ok")),
        close_stdin=False,
    ),
    # A bad frame is answered when it was a request, skipped either way, and the runner
    # goes on serving.
    _exchange(
        "bad_frames_are_answered_and_skipped",
        [
            {"send_hex": INVALID[3][1].hex(), "id": 7, "answer": "BadFrame"},
            {"send_hex": INVALID[0][1].hex()},
            {"send_hex": INVALID[5][1].hex(), "id": 9, "answer": "BadFrame"},
            _step(_req(10, "ping", "after"), "ok"),
        ],
    ),
    _exchange(
        "frame_length_over_the_maximum",
        [{"send_hex": FATAL[0][1].hex()}],
        exit=1,
        close_stdin=False,
    ),
]


def _schema_consts(name: str) -> list[Any]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return [choice["const"] for choice in schema["$defs"][name]["oneOf"]]


def _check_exchanges() -> None:
    """Every error name and exit code of the schema is produced, and only those."""
    names = {
        step["answer"]
        for exchange in EXCHANGES
        for step in [*exchange["steps"], *exchange["later"]]
        if step.get("answer", "ok") != "ok"
    }
    assert names == set(_schema_consts("runnerErrorName")), names
    exits = {exchange["exit"] for exchange in EXCHANGES}
    assert exits <= set(_schema_consts("runnerExitCode")), exits


def main() -> None:
    _check_exchanges()
    frames = [
        {"name": n, "value": v, "hex": _framed(msgpack.packb(v, use_bin_type=True)).hex()}
        for n, v in FRAMES
    ]
    out = {
        "frames": frames,
        "stream": {"hex": "".join(f["hex"] for f in frames), "count": len(frames)},
        "invalid": [{"name": n, "hex": b.hex(), "id": i} for n, b, i in INVALID],
        "fatal": [{"name": n, "hex": b.hex()} for n, b in FATAL],
        "roles": ROLES,
        "exchanges": EXCHANGES,
    }
    path = Path(__file__).with_name("vectors.json")
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
