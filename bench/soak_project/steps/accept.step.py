# Accepts one unit of work and emits it to three subscribers (TS, Python, Ruby).
config = {
    "type": "api",
    "name": "SoakAccept",
    "method": "POST",
    "path": "/work",
    "bodySchema": {"id": "string"},
    "emits": ["soak.work"],
}


async def handler(req, context):
    await context.emit({"topic": "soak.work", "data": {"id": req["body"]["id"]}})
    return {"status": 202, "body": {"id": req["body"]["id"]}}
