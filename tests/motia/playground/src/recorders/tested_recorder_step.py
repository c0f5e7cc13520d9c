"""Stands in for Motia's tester `server.watch('tested')` (see recorders.step.ts)."""

import uuid

config = {"type": "event", "name": "Tested Recorder", "subscribes": ["tested"], "emits": []}


async def handler(data, context):
    item = {"traceId": context.trace_id, "data": data}
    await context.state.set("captured:tested", str(uuid.uuid4()), item)
