"""Steppe: a polyglot step orchestrator.

The public surface is the `steppe` command (`orchestrator.cli`); the modules are
internal and may change between releases.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
