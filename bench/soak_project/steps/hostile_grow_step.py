config = {
    "type": "event", "name": "HostileGrow", "subscribes": ["hostile.grow"],
    "emits": ["hostile.grow"],
}


async def handler(data, context):
    for _ in range(2):
        await context.emit({"topic": "hostile.grow", "data": {"n": data["n"] + 1}})
