"""Real-time streams (docs/reference.md §5): the WebSocket fan-out hub, stream access checks,
and the service that serves handlers' `streams.*` calls and clients' subscriptions."""
