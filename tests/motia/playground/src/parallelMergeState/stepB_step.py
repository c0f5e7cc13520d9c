import time

config = {
    "type": "event",
    "name": "stepB",
    "description": "Hello from Step B",
    "subscribes": ["pms.start"],
    "emits": ["pms.stepB.done"],
    "flows": ["parallel-merge"],
}


async def handler(_, context):
    context.logger.info("[stepB] received pms.start")
    result = {"msg": "Hello from Step B", "timestamp": int(time.time() * 1000)}
    await context.state.set(context.trace_id, "stepB", result)
    await context.emit({"topic": "pms.stepB.done", "data": result})
