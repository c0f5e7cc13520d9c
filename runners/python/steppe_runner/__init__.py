"""Steppe's Python runner: serves every Python step file of a project over msgpack RPC on stdio.

Started by the orchestrator as `python -m steppe_runner --project DIR`; the contract
it follows is runners/README.md.
"""
