"""Conformance: printing to stdout from a handler (Python).

The runner must turn the printed line into a log entry and keep the protocol
channel clean.
"""

config = {
    "type": "event",
    "name": "ConfPrintPy",
    "description": "Conformance: stdout capture in Python",
    "subscribes": ["conf.print.py"],
    "emits": [],
    "input": {"type": "object", "properties": {}},
    "flows": ["conformance"],
}


async def handler(input, context):
    print("printed by py", flush=True)
    context.logger.info("after print")
    return {"printed": True}
