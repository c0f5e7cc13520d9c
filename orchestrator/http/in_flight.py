"""The API requests being answered, so that shutdown can end them with a 503.

On SIGTERM the server stops accepting connections and lets in-flight requests finish
within `shutdown_grace` (docs/reference.md §6). One still running when the grace ends
is answered 503 rather than dropped with its connection: its client can retry
elsewhere, and hears why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import trio


class InFlight:
    """Cancel scopes of the API requests being answered."""

    def __init__(self) -> None:
        self._scopes: set[trio.CancelScope] = set()
        self.closed = False

    def __len__(self) -> int:
        """How many requests are being answered now."""
        return len(self._scopes)

    @contextmanager
    def track(self) -> Iterator[trio.CancelScope]:
        """A scope around one request's work; `end_all` cancels it."""
        with trio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                yield scope
            finally:
                self._scopes.discard(scope)

    def end_all(self) -> None:
        """Cancel every request in flight, and any that starts from now on."""
        self.closed = True
        for scope in list(self._scopes):
            scope.cancel()
