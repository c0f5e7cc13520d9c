"""The same through the Python context (snake_case list_groups; gather for the fan-out)."""

import asyncio

config = {"type": "api", "name": "AtomicPy", "method": "POST", "path": "/atomic/py", "emits": []}


async def handler(req, context):
    body = req.body
    state = context.state
    op = body["op"]
    try:
        if op == "fan":
            calls = [state.update(body["group"], body["key"], body["ops"]) for _ in range(body["count"])]
            result = list(await asyncio.gather(*calls))
        elif op == "update":
            result = await state.update(body["group"], body["key"], body["ops"])
        elif op == "list":
            result = list(await state.list(body["group"]))
        elif op == "listGroups":
            result = await state.list_groups()
        else:
            stream = context.streams[body["stream"]]
            if op == "streamUpdate":
                result = await stream.update(body["groupId"], body["id"], body["ops"])
            elif op == "streamList":
                result = list(await stream.list(body["groupId"]))
            else:
                result = await stream.list_groups()
        return {"status": 200, "body": {"result": result}}
    except Exception as exc:
        return {"status": 422, "body": {"error": {"name": exc.name, "message": str(exc)}}}
