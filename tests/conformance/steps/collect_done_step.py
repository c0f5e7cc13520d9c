"""Test helper: records every conf.done.<lang> event so the suite can compare them."""

config = {
    "type": "event",
    "name": "CollectDone",
    "subscribes": ["conf.done.ts", "conf.done.js", "conf.done.py", "conf.done.rb"],
    "emits": [],
    "flows": ["conformance"],
}


async def handler(data, context):
    await context.state.set("conf-done", data["lang"], data)
