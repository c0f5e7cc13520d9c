"""Conformance: a handler that raises (Python).

The error message is compared across languages, so it must stay exactly
'boom from py'.
"""

config = {
    "type": "event",
    "name": "ConfThrowPy",
    "description": "Conformance: handler error in Python",
    "subscribes": ["conf.throw.py"],
    "emits": [],
    "input": {"type": "object", "properties": {}},
    "flows": ["conformance"],
}


async def handler(input, context):
    raise RuntimeError("boom from py")
