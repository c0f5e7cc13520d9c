"""A Motia 1.0 stream in Python: on_join / on_leave in the config, as motia-py's
StreamConfig names them (motia-py/packages/motia/src/motia/types_stream.py)."""


async def on_join(subscription, context, auth_context):
    context.logger.info(f"joined room {subscription.group_id}")
    if not auth_context or auth_context.get("userId") != "ann":
        return {"unauthorized": True}
    return {"unauthorized": False}


def on_leave(subscription, context, auth_context):
    context.logger.info(f"left room {subscription.group_id}/{subscription.id} by {auth_context['userId']}")


config = {
    "name": "room",
    "schema": {"type": "object"},
    "baseConfig": {"storageType": "default"},
    "on_join": on_join,
    "on_leave": on_leave,
}
