"""The context of the invocation running in this task or thread (the `motia` module's binding).

Set by the runner at the start of each invocation's task; plain `def` handlers run in
a copy of the task's context (runner._call), so they see it too.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context

current_context: ContextVar[Context | None] = ContextVar("steppe_current_context", default=None)
