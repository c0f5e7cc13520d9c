# Chain link 2 of 3 (Python): bench.chain.2 → bench.chain.3
config = {
    "type": "event",
    "name": "ChainMiddle",
    "subscribes": ["bench.chain.2"],
    "emits": ["bench.chain.3"],
    "input": {"n": "integer"},
    "infrastructure": {"queue": {"concurrency": 256}},
}


async def handler(data, context):
    await context.emit({"topic": "bench.chain.3", "data": {"n": data["n"]}})
