"""Motia 1.0's Python value types (motia-py/packages/motia/src/motia/types.py), as Steppe's
runner builds them: dicts whose keys are also attributes, so both `request.path_params`
(motia-py) and `req.get("pathParams")` (0.17) work."""

from __future__ import annotations

from typing import Any

from ..context import Input, _camel
from ..http_response import MotiaHttpResponse as MotiaHttpResponse

# TriggerInfo's fields (motia-py types.TriggerInfo): absent ones read as None.
_TRIGGER_FIELDS = frozenset({"type", "index", "path", "method", "topic", "expression"})


class _Record(Input):
    """An Input that also answers `get("path_params")` with the `pathParams` key."""

    __slots__ = ()

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return dict.get(self, _camel(key), default)


class ApiRequest(_Record):
    """`{pathParams, queryParams, body, headers}`: what an http trigger's condition gets."""

    __slots__ = ()


class MotiaHttpRequest(ApiRequest):
    """The `request` of an http trigger's input; `method` too."""

    __slots__ = ()


class MotiaHttpArgs(_Record):
    """An http handler's input: `request`, `response`, and the request's fields at the top
    level (motia-py's backward-compatible accessors, and Motia's older RC form)."""

    __slots__ = ()


class TriggerInfo(_Record):
    """`ctx.trigger`: type, index, and path/method, topic or expression; others are None."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in _TRIGGER_FIELDS:
            return self.get(name)
        return super().__getattr__(name)


class StateTriggerInput(_Record):
    """`{type: "state", group_id, item_id, old_value, new_value}`."""

    __slots__ = ()


class StreamEvent(_Record):
    """`{type: "create"|"update"|"delete", data}`."""

    __slots__ = ()


class StreamTriggerInput(_Record):
    """`{type: "stream", timestamp, streamName, groupId, id, event}`."""

    __slots__ = ()


class QueryParam(_Record):
    """`QueryParam(name=..., description=...)` in an http trigger's `query_params`."""

    __slots__ = ()


class ApiResponse(_Record):
    """`ApiResponse(status=200, body=..., headers=...)`: a handler's answer."""

    __slots__ = ()

    def __init__(
        self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status=status, body=body, headers=headers or {})
