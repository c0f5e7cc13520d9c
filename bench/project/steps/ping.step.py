config = {"type": "api", "name": "PingPy", "method": "GET", "path": "/ping/py", "emits": []}


async def handler(req, context):
    return {"status": 200, "body": {"ok": True}}
