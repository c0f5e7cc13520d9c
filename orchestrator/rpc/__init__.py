"""The msgpack RPC stack: framing (wire), then request/response bookkeeping (session)."""
