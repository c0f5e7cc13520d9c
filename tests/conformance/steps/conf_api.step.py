"""Conformance: API step (Python, async def, dictionary-style context access).

Must behave exactly like the TS, JS and Ruby versions, except for the `lang`
value and the `/conf/py/` path.
"""

config = {
    "type": "api",
    "name": "ConfApiPy",
    "description": "Conformance: API step in Python",
    "method": "POST",
    "path": "/conf/py/items/:id",
    "bodySchema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "qty": {"type": "number"}},
        "required": ["name", "qty"],
    },
    "emits": [],
    "flows": ["conformance"],
}


async def handler(req, context):
    logger = context["logger"]
    item_id = req["pathParams"]["id"]
    body = req["body"]
    logger.info("conf api called", {"id": item_id})
    return {
        "status": 201,
        "body": {
            "id": item_id,
            "name": body["name"],
            "qty": body["qty"] * 2,
            "lang": "py",
            "traceId": context["traceId"],
            "query": (req["queryParams"] or {}).get("q"),
        },
        "headers": {"x-lang": "py"},
    }
