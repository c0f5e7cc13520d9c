"""Steppe's own `motia` module for Python steps: `from motia import logger, enqueue, http,
ApiResponse, ...` (the names motia-py/packages/motia/src/motia/__init__.py exports that a
step file uses). The runner registers it as `motia` before any step loads, so it wins over
an installed motia package (whose runtime needs Motia's engine).

`logger`, `enqueue`, `stateManager` and `Stream` act for the invocation that calls them
(a ContextVar); the helpers build plain config dicts.
"""

from __future__ import annotations

import sys
from typing import Any

from ..flow import FlowContext
from ..request_body import RequestBody as ChannelReader  # what `request_body` is
from .bound import StateManager, Stream, StreamConfig, enqueue, logger, state_manager, stateManager
from .guards import (
    get_api_triggers,
    get_cron_triggers,
    get_queue_triggers,
    get_state_triggers,
    get_stream_triggers,
    is_api_step,
    is_api_trigger,
    is_cron_step,
    is_cron_trigger,
    is_queue_step,
    is_queue_trigger,
    is_state_step,
    is_state_trigger,
    is_stream_step,
    is_stream_trigger,
)
from .step import MultiTriggerStepBuilder, StepBuilder, StepDefinition, multi_trigger_step, step
from .triggers import api, cron, http, queue, state, stream
from .types import (
    ApiRequest,
    ApiResponse,
    MotiaHttpArgs,
    MotiaHttpRequest,
    MotiaHttpResponse,
    QueryParam,
    StateTriggerInput,
    StreamEvent,
    StreamTriggerInput,
    TriggerInfo,
)

# Types a step file only annotates with: dicts here, as Steppe's configs are.
StepConfig = dict
TriggerConfig = dict
Enqueue = dict


def schema_to_json_schema(schema: Any) -> dict[str, Any] | None:
    """motia-py schema_utils: a dict as it is, a pydantic model class as its JSON Schema."""
    if isinstance(schema, dict):
        return schema
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(schema, type) and issubclass(schema, pydantic.BaseModel):
        result: dict[str, Any] = schema.model_json_schema()  # type: ignore[attr-defined]
        return result
    return None


def install() -> None:
    """Make `import motia` (and `motia.<submodule>`) find this package, whatever is installed."""
    sys.modules["motia"] = sys.modules[__name__]
    for name, module in list(sys.modules.items()):
        if name.startswith(f"{__name__}."):
            sys.modules["motia" + name[len(__name__) :]] = module


__all__ = [
    "ApiRequest",
    "ApiResponse",
    "ChannelReader",
    "Enqueue",
    "FlowContext",
    "MotiaHttpArgs",
    "MotiaHttpRequest",
    "MotiaHttpResponse",
    "MultiTriggerStepBuilder",
    "QueryParam",
    "StateManager",
    "StateTriggerInput",
    "StepBuilder",
    "StepConfig",
    "StepDefinition",
    "Stream",
    "StreamConfig",
    "StreamEvent",
    "StreamTriggerInput",
    "TriggerConfig",
    "TriggerInfo",
    "api",
    "cron",
    "enqueue",
    "get_api_triggers",
    "get_cron_triggers",
    "get_queue_triggers",
    "get_state_triggers",
    "get_stream_triggers",
    "http",
    "is_api_step",
    "is_api_trigger",
    "is_cron_step",
    "is_cron_trigger",
    "is_queue_step",
    "is_queue_trigger",
    "is_state_step",
    "is_state_trigger",
    "is_stream_step",
    "is_stream_trigger",
    "logger",
    "multi_trigger_step",
    "queue",
    "schema_to_json_schema",
    "state",
    "stateManager",
    "state_manager",
    "step",
    "stream",
]
