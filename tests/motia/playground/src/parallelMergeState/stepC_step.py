import time

config = {
    "type": "event",
    "name": "stepC",
    "description": "Hello from Step C",
    "subscribes": ["pms.start"],
    "emits": ["pms.stepC.done"],
    "flows": ["parallel-merge"],
}


async def handler(_, context):
    context.logger.info("[stepC] received pms.start")
    result = {"msg": "Hello from Step C", "timestamp": int(time.time() * 1000)}
    await context.state.set(context.trace_id, "stepC", result)
    await context.emit({"topic": "pms.stepC.done", "data": result})
