"""Motia 1.0's trigger helpers (motia-py/packages/motia/src/motia/triggers.py): each
builds a trigger dict with Motia's key names; functions (conditions, middleware) stay in
it for the runner to take out."""

from __future__ import annotations

from typing import Any

from .types import _Record


def _trigger(**fields: Any) -> _Record:
    return _Record({key: value for key, value in fields.items() if value is not None})


def http(
    method: str,
    path: str,
    *,
    body_schema: Any = None,
    response_schema: dict[int, Any] | None = None,
    query_params: list[Any] | None = None,
    middleware: list[Any] | None = None,
    condition: Any = None,
) -> _Record:
    return _trigger(
        type="http",
        method=method,
        path=path,
        bodySchema=body_schema,
        responseSchema=response_schema,
        queryParams=query_params,
        middleware=middleware,
        condition=condition,
    )


api = http  # motia-py's deprecated name


def queue(topic: str, *, input: Any = None, config: Any = None, condition: Any = None) -> _Record:
    return _trigger(type="queue", topic=topic, input=input, config=config, condition=condition)


def cron(expression: str, *, condition: Any = None) -> _Record:
    return _trigger(type="cron", expression=expression, condition=condition)


def state(*, condition: Any = None) -> _Record:
    return _trigger(type="state", condition=condition)


def stream(
    stream_name: str,
    *,
    group_id: str | None = None,
    item_id: str | None = None,
    condition: Any = None,
) -> _Record:
    return _trigger(
        type="stream", streamName=stream_name, groupId=group_id, itemId=item_id, condition=condition
    )
