# Hostile: an emit loop that fans out (each delivery emits its own topic twice); the
# trace's delivery budget (max_trace_deliveries) stops it with dead letters.
config = {
    "type": "api", "name": "HostileLoop", "method": "POST", "path": "/hostile/loop",
    "emits": ["hostile.grow"],
}


async def handler(req, context):
    await context.emit({"topic": "hostile.grow", "data": {"n": 0}})
    return {"status": 202, "body": {}}
