"""Motia 1.0's type guards (motia-py guards.py), over trigger dicts and step dicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _kind(trigger: Any) -> Any:
    return trigger.get("type") if isinstance(trigger, Mapping) else getattr(trigger, "type", None)


def _triggers(step: Any) -> list[Any]:
    config = step.get("config", step) if isinstance(step, Mapping) else step.config
    return list(config.get("triggers") or [])


def is_api_trigger(trigger: Any) -> bool:
    return bool(_kind(trigger) == "http")


def is_queue_trigger(trigger: Any) -> bool:
    return bool(_kind(trigger) == "queue")


def is_cron_trigger(trigger: Any) -> bool:
    return bool(_kind(trigger) == "cron")


def is_state_trigger(trigger: Any) -> bool:
    return bool(_kind(trigger) == "state")


def is_stream_trigger(trigger: Any) -> bool:
    return bool(_kind(trigger) == "stream")


def _of(step: Any, kind: str) -> list[Any]:
    return [t for t in _triggers(step) if _kind(t) == kind]


def is_api_step(step: Any) -> bool:
    return bool(_of(step, "http"))


def is_queue_step(step: Any) -> bool:
    return bool(_of(step, "queue"))


def is_cron_step(step: Any) -> bool:
    return bool(_of(step, "cron"))


def is_state_step(step: Any) -> bool:
    return bool(_of(step, "state"))


def is_stream_step(step: Any) -> bool:
    return bool(_of(step, "stream"))


def get_api_triggers(step: Any) -> list[Any]:
    return _of(step, "http")


def get_queue_triggers(step: Any) -> list[Any]:
    return _of(step, "queue")


def get_cron_triggers(step: Any) -> list[Any]:
    return _of(step, "cron")


def get_state_triggers(step: Any) -> list[Any]:
    return _of(step, "state")


def get_stream_triggers(step: Any) -> list[Any]:
    return _of(step, "stream")
