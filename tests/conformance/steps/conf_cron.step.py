"""Conformance: cron step (Python, attribute-style context access).

A cron handler receives only the context.
"""

config = {
    "type": "cron",
    "name": "ConfCronPy",
    "description": "Conformance: cron step in Python",
    "cron": "* * * * *",
    "emits": [],
    "flows": ["conformance"],
}


async def handler(context):
    await context.state.set("conf-cron", "py", {"ran": True, "traceId": context.trace_id})
