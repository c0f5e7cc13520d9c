"""The running services: project loading and reload, the event bus, cron, step
invocation, the context calls of handlers, and streams."""
