"""Motia 1.0's step builders (motia-py/packages/motia/src/motia/step.py, multi_trigger.py).
`config = step({...}, handler)` is a file's config and handler at once."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class StepDefinition:
    config: Mapping[str, Any]
    handler: Callable[..., Any]


class StepBuilder:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def handle(self, handler: Callable[..., Any]) -> StepDefinition:
        return StepDefinition(self.config, handler)


def step(
    config: Mapping[str, Any], handler: Callable[..., Any] | None = None
) -> StepDefinition | StepBuilder:
    return StepBuilder(config) if handler is None else StepDefinition(config, handler)


class MultiTriggerStepBuilder:
    """`multi_trigger_step(config).on_queue(f).on_http(g).handlers()`: one handler that
    calls the one for the trigger's type (a cron handler gets the context alone)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._handlers: dict[str, Callable[..., Any]] = {}

    def _on(self, kind: str, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        self._handlers[kind] = handler
        return self

    def on_queue(self, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        return self._on("queue", handler)

    def on_http(self, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        return self._on("http", handler)

    def on_cron(self, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        return self._on("cron", handler)

    def on_state(self, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        return self._on("state", handler)

    def on_stream(self, handler: Callable[..., Any]) -> MultiTriggerStepBuilder:
        return self._on("stream", handler)

    def handlers(self, handlers: Mapping[str, Callable[..., Any]] | None = None) -> StepDefinition:
        chosen = {**self._handlers, **(handlers or {})}

        async def unified_handler(input_data: Any, ctx: Any) -> Any:
            kind = ctx.trigger.type
            if kind not in chosen:
                available = ", ".join(chosen)
                raise RuntimeError(
                    f"No handler defined for trigger type: {kind}. Available handlers: {available}"
                )
            result = chosen[kind](ctx) if kind == "cron" else chosen[kind](input_data, ctx)
            return await result if inspect.isawaitable(result) else result

        return StepDefinition(self.config, unified_handler)


def multi_trigger_step(config: Mapping[str, Any]) -> MultiTriggerStepBuilder:
    return MultiTriggerStepBuilder(config)
