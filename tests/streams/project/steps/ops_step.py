"""The same through the Python context (snake_case get_group, item access)."""

config = {"type": "api", "name": "OpsPy", "method": "POST", "path": "/ops/py", "emits": []}


async def handler(req, context):
    body = req.body
    stream = context.streams[body["stream"]]
    op = body["op"]
    try:
        if op == "get":
            result = await stream.get(body["groupId"], body["id"])
        elif op == "set":
            result = await stream.set(body["groupId"], body["id"], body.get("data"))
        elif op == "setNaN":  # JSON cannot carry NaN in; a Python handler can make one
            result = await stream.set(body["groupId"], body["id"], {"text": "x", "n": float("nan")})
        elif op == "delete":
            result = await stream.delete(body["groupId"], body["id"])
        elif op == "getGroup":
            result = list(await stream.get_group(body["groupId"]))
        else:
            result = await stream.send(body["channel"], body["event"])
        return {"status": 200, "body": {"result": result}}
    except Exception as exc:
        return {"status": 422, "body": {"error": {"name": exc.name, "message": str(exc)}}}
