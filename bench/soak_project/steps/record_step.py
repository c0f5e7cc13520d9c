config = {
    "type": "event",
    "name": "SoakRecordPy",
    "subscribes": ["soak.work"],
    "emits": [],
    "input": {"id": "string"},
}


async def handler(data, context):
    await context.state.set("soak-py", data["id"], True)
