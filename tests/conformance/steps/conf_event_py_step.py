"""Conformance: event step using every state call, then one emit (Python).

Deliberately a plain `def` (not `async def`): the runner runs it in a worker
thread where the context calls block and return their value, no `await`.
Also covers the `*_step.py` file naming and `context["..."]` access.
"""

config = {
    "type": "event",
    "name": "ConfEventPy",
    "description": "Conformance: state calls and emit in Python (sync handler)",
    "subscribes": ["conf.event.py"],
    "emits": ["conf.done.py"],
    "input": {
        "type": "object",
        "properties": {"value": {"type": "number"}},
        "required": ["value"],
    },
    "flows": ["conformance"],
}


def handler(input, context):
    state = context["state"]
    emit = context["emit"]
    state.set("conf-py", "last", {"value": input["value"], "lang": "py"})
    got = state.get("conf-py", "last")
    missing = state.get("conf-py", "nope")
    state.set("conf-py", "tmp", 1)
    old = state.delete("conf-py", "tmp")
    group = state.get_group("conf-py")
    emit(
        {
            "topic": "conf.done.py",
            "data": {
                "value": input["value"] + 1,
                "lang": "py",
                "got": got["value"],
                "missingIsNull": missing is None,
                "deleted": old,
                "groupSize": len(group),
            },
        }
    )
