"""Python (`*_stream.py`): items live for one second."""

config = {
    "name": "short-lived",
    "schema": {"text": "string"},
    "baseConfig": {"storageType": "default", "ttl": 1},
}
