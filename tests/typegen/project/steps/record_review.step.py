"""Keys that are not Python identifiers, and a recursive schema (`$ref: '#'`)."""

config = {
    "type": "event",
    "name": "RecordReview",
    "subscribes": ["order.reviewed"],
    "emits": [],
    "input": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "from": {"type": "string"},
            "reviewed-by": {"type": "string"},
            "replies": {"type": "array", "items": {"$ref": "#"}},
        },
        "required": ["id", "from"],
    },
}


def handler(review, context):
    context.state.set("reviews", review["id"], review)
