config = {"type": "event", "name": "EmptyPython", "subscribes": ["bench.empty.python"], "emits": []}


async def handler(data, context):
    return None
