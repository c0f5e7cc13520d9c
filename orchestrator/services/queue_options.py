"""A step's queue options (docs/reference.md §12), from its `infrastructure.queue`.

The config was checked against `schemas/step-config.schema.json` when it loaded
(types, ranges, unknown options), so this only reads it and fills in the defaults.
Motia 1.0's queue-trigger `config` maps onto the same options (README, "Queues").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.model.triggers import queue_options_of
from orchestrator.stores.queue.base import Limits, data_key

DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF_MS = 200.0
DEFAULT_CONCURRENCY = 100
# The FIFO group of an event that names none: the step's events are then one group.
DEFAULT_GROUP = ""

QueueKind = Literal["standard", "fifo"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """The wait before a retry: `fixed` (the same each time) or `exponential`
    (doubling from `delay_ms`, with ±20% jitter so that many failures at once do not
    retry in lockstep)."""

    kind: Literal["fixed", "exponential"] = "exponential"
    delay_ms: float = DEFAULT_BACKOFF_MS

    def delay(self, attempt: int) -> float:
        """Seconds before retry number `attempt` (1-based)."""
        if self.kind == "fixed":
            return self.delay_ms / 1000
        base: float = self.delay_ms / 1000 * 2 ** (attempt - 1)
        return base * random.uniform(0.8, 1.2)


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    period_seconds: float
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Debounce:
    period_seconds: float
    key: str | None = None


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """Everything `infrastructure.queue` sets, with its defaults."""

    kind: QueueKind = "standard"
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff: Backoff = Backoff()
    visibility_timeout: float | None = None
    delay_seconds: float = 0.0
    concurrency: int = DEFAULT_CONCURRENCY
    concurrency_key: str | None = None
    rate_limit: RateLimit | None = None
    debounce: Debounce | None = None
    message_group_field: str | None = None

    @classmethod
    def of(cls, step: Step) -> QueueOptions:
        queue: dict[str, Any] = _declared(step)
        backoff = queue.get("backoff") or {}
        rate = queue.get("rateLimit")
        debounce = queue.get("debounce")
        visibility = queue.get("visibilityTimeout")
        return cls(
            kind="fifo" if queue.get("type") == "fifo" else "standard",
            max_retries=int(queue.get("maxRetries", DEFAULT_MAX_RETRIES)),
            backoff=Backoff(
                backoff.get("type", "exponential"),
                float(backoff.get("delayMs", queue.get("backoffMs", DEFAULT_BACKOFF_MS))),
            ),
            visibility_timeout=float(visibility) if visibility is not None else None,
            delay_seconds=float(queue.get("delaySeconds", 0)),
            concurrency=int(queue.get("concurrency", DEFAULT_CONCURRENCY)),
            concurrency_key=queue.get("concurrencyKey"),
            rate_limit=RateLimit(int(rate["limit"]), float(rate["periodSeconds"]), rate.get("key"))
            if rate
            else None,
            debounce=Debounce(float(debounce["periodSeconds"]), debounce.get("key"))
            if debounce
            else None,
            message_group_field=queue.get("messageGroupField"),
        )

    def limits(self) -> Limits:
        """What the store's claims must respect for this step."""
        rate = self.rate_limit
        keyed = self.concurrency_key is not None
        return Limits(
            # With a key, `concurrency` is per value of it; the step as a whole keeps
            # the default bound (or that limit, when higher).
            concurrency=max(DEFAULT_CONCURRENCY, self.concurrency) if keyed else self.concurrency,
            concurrency_key=self.concurrency_key,
            key_concurrency=self.concurrency if keyed else 1,
            rate_limit=rate.limit if rate else None,
            rate_period=rate.period_seconds if rate else 1.0,
            rate_key=rate.key if rate else None,
            lease=self.visibility_timeout,
        )

    def group_of(self, data: JSON, message_group_id: str | None) -> str | None:
        """The FIFO group of an event for this step (None when the step is not FIFO):
        the configured data field when the data has it, else the emit's
        `messageGroupId`, else the step's one default group."""
        if self.kind != "fifo":
            return None
        if self.message_group_field is not None:
            value = data_key(data, self.message_group_field)
            if value:
                return value
        return message_group_id if message_group_id is not None else DEFAULT_GROUP

    def debounce_of(self, data: JSON) -> str | None:
        """The debounce key of an event (None when the step does not debounce)."""
        if self.debounce is None:
            return None
        return data_key(data, self.debounce.key) if self.debounce.key else ""

    def delay_of(self, requested: float | None) -> float:
        """Seconds before a new delivery is due: the emit's delay, else the step's
        `delaySeconds`; a debounced one waits at least its quiet period."""
        delay = requested if requested is not None else self.delay_seconds
        return max(delay, self.debounce.period_seconds) if self.debounce else delay

    def as_json(self) -> dict[str, Any]:
        """Every option with its value in effect (the workbench's queue view)."""
        rate, debounce = self.rate_limit, self.debounce
        return {
            "type": self.kind,
            "maxRetries": self.max_retries,
            "backoff": {"type": self.backoff.kind, "delayMs": self.backoff.delay_ms},
            "visibilityTimeout": self.visibility_timeout,
            "delaySeconds": self.delay_seconds,
            "concurrency": self.concurrency,
            "concurrencyKey": self.concurrency_key,
            "rateLimit": {"limit": rate.limit, "periodSeconds": rate.period_seconds,
                          "key": rate.key} if rate else None,
            "debounce": {"periodSeconds": debounce.period_seconds, "key": debounce.key}
            if debounce else None,
            "messageGroupField": self.message_group_field,
        }  # fmt: skip


def _declared(step: Step) -> dict[str, Any]:
    """`infrastructure.queue`, or a 1.0 step's queue-trigger `config` by Steppe's names
    (validation made its queue triggers agree on one); a 1.0 step with no such config
    (one with only state or stream triggers) reads `infrastructure.queue`."""
    queue: dict[str, Any] = (step.config.get("infrastructure") or {}).get("queue") or {}
    if step.is_v1:
        configs = (t.config.get("config") for t in step.queue_triggers)
        return next((queue_options_of(c) for c in configs if c), queue_options_of(queue))
    return queue
