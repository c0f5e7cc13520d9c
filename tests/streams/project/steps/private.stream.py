"""Python (`*.stream.py`), canAccess as a module-level function."""

config = {"name": "private", "schema": {"type": "object"}, "baseConfig": {"storageType": "default"}}


def can_access(subscription, auth_context):
    return auth_context["token"] == "py-secret"
