"""Regenerate vectors.json: `python tests/protocol_vectors/make_vectors.py`.

Each frame's `hex` is the canonical msgpack encoding of `value` (smallest int and
string forms, float64 for non-integral numbers, keys in the order shown). Every
runner's test decodes `hex` to `value` and encodes `value` back to `hex`; the
`stream` case is all frames concatenated, to be decoded when fed one byte at a time.
Non-integral floats only: JavaScript cannot tell 2.0 from 2.
"""

import json
from pathlib import Path

import msgpack

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

# Frames that every decoder must reject (as hex): not a map, unknown kind, missing id.
INVALID = [
    ("not_a_map", msgpack.packb([1, 2, 3]).hex()),
    ("text_garbage", b"hello\n".hex()),
    ("unknown_kind", msgpack.packb({"t": "zap", "m": "x", "p": {}}).hex()),
    ("response_without_id", msgpack.packb({"t": "res", "ok": True, "r": None}).hex()),
    ("reserved_byte", "c1"),
]


def main() -> None:
    frames = [
        {"name": n, "value": v, "hex": msgpack.packb(v, use_bin_type=True).hex()} for n, v in FRAMES
    ]
    out = {
        "frames": frames,
        "stream": {"hex": "".join(f["hex"] for f in frames), "count": len(frames)},
        "invalid": [{"name": n, "hex": h} for n, h in INVALID],
    }
    path = Path(__file__).with_name("vectors.json")
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
