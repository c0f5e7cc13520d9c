"""Real-time streams (SPEC §5): stores, the WebSocket fan-out hub, and the service
that serves handlers' `streams.*` calls and clients' subscriptions."""

from orchestrator.streams.access import AccessChecker, Decision
from orchestrator.streams.base import SetOutcome, StreamStore
from orchestrator.streams.hub import Client, Outbox, StreamHub
from orchestrator.streams.memory import MemoryStreamStore
from orchestrator.streams.service import StreamsService
from orchestrator.streams.sqlite import SqliteStreamStore, open_sqlite_streams

__all__ = [
    "AccessChecker",
    "Client",
    "Decision",
    "MemoryStreamStore",
    "Outbox",
    "SetOutcome",
    "SqliteStreamStore",
    "StreamHub",
    "StreamStore",
    "StreamsService",
    "open_sqlite_streams",
]
