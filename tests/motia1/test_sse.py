"""Server-sent events from Motia 1.0 http triggers in the fixture (TS, JS, Python, Ruby):
`response.status()`, `response.headers()`, writes to `response.stream`, `response.close()`
(frameworks/motia/HANDLER_MIGRATION_GUIDE.md §6; motia-js/playground/steps/api-steps/
sse.step.ts, whose raw body `request.requestBody.stream` the TypeScript step reads too;
Motia 1.0 `src/new/build/utils.ts` hands the handler the response)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.motia1.fixture import served_fixture


async def events(client: httpx.AsyncClient, path: str) -> list[tuple[str, object]]:
    """(event, data) of each server-sent event of a POST or GET `path`, in order."""
    # The TypeScript step reads a URL-encoded body from `request.requestBody`.
    form = {"a": "alpha", "b": "bravo", "c": "charlie"} if path == "/sse" else None
    async with client.stream("POST" if form else "GET", path, data=form) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        text = "".join([chunk async for chunk in response.aiter_text()])
    found = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((fields["event"], json.loads(fields["data"])))
    return found


async def test_typescript_sse_from_the_migration_guide(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        assert await events(client, "/sse") == [
            ("item", {"item": "alpha"}),
            ("item", {"item": "bravo"}),
            ("item", {"item": "charlie"}),
            ("done", {"total": 3}),
        ]


async def test_javascript_python_and_ruby_sse(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        for prefix in ("", "/py", "/rb"):
            assert await events(client, f"{prefix}/progress/j-1") == [
                ("progress", {"jobId": "j-1", "percent": p}) for p in (0, 50, 100)
            ], prefix
