"""Emptying the stores between tests, through their public interfaces: each test starts
as a fresh server would, while the runners (the slow part to start) are kept."""

from __future__ import annotations

import time

from orchestrator.http.env import HttpEnv


async def clear_stores(env: HttpEnv) -> None:
    """Every state group, every stream item, every dead letter. Idempotency keys claimed
    by earlier tests are kept (the store has no call to forget them): a test that emits
    with an idempotency key should use a key of its own."""
    for group in await env.state.groups():
        await env.state.clear(group)
    await env.bus.store.purge(None)
    service = env.streams
    if service is None:
        return
    now = time.time()
    for stream in env.project.streams.values():
        for group in await service.store.list_groups(stream.name, now):
            for item in await service.store.get_group(stream.name, group, now):
                await service.store.delete(stream.name, group, str(item.get("id")), now)
