"""The admin API under `/__steppe/api` (docs/reference.md §4, §8), which the CLI and the
workbench use.

`blueprint.py` holds the prefix and who may call (in one place); each other module
serves one resource: `steps` (steps, problems, flows, topics, the workbench's info
and layout), `traces` (traces and logs), `state`, `streams`, `events` (emit, emit
check, dead letters), `cron`, and `live` (the workbench's live log WebSocket).
"""
