"""The console a person reads: Steppe's own messages go to stderr through rich."""

from __future__ import annotations

import sys

from rich.console import Console

# Piped output (CI logs, tests) gets a wide fixed width instead of rich's 80 columns.
err_console = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 160
)
