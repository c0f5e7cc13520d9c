"""A Motia 1.0 step's `triggers` (motia-py/packages/motia/src/motia/types.py, runtime.py
`_sanitize_trigger_metadata`): recognised, spelt as Motia reports them, and the code in
them (conditions, per-trigger middleware) taken out for the loader.

A Python 1.0 config may spell keys the pydantic way (`body_schema`, `stream_name`,
`virtual_enqueues`); Motia reports them by alias, so they are renamed here.
"""

from __future__ import annotations

from typing import Any

from .context import _camel
from .errors import ConfigError
from .middleware import middleware_names

# Step-level keys motia-py's StepConfig serialises under another name.
_STEP_ALIASES = {
    "virtual_enqueues": "virtualEnqueues",
    "virtual_subscribes": "virtualSubscribes",
    "include_files": "includeFiles",
}


def is_v1(config: dict[str, Any]) -> bool:
    """A 1.0 step is recognised by its `triggers` list (docs/reference.md)."""
    return isinstance(config.get("triggers"), list)


def normalise(config: dict[str, Any]) -> dict[str, Any]:
    """A 1.0 config with Motia's key names; each trigger a dict. ConfigError names the
    step and `triggers[i]` when a trigger is not a mapping or its condition not a function."""
    step = f"step '{config.get('name', '?')}'"
    out = {_STEP_ALIASES.get(key, key): value for key, value in config.items()}
    triggers = []
    for index, trigger in enumerate(config["triggers"]):
        if not isinstance(trigger, dict):
            kind = type(trigger).__name__
            raise ConfigError(f"{step}: triggers[{index}] is a {kind}, not a dict")
        plain = {_camel(key): value for key, value in trigger.items() if value is not None}
        if isinstance(plain.get("config"), dict):  # a queue trigger's QueueConfig
            plain["config"] = {_camel(k): v for k, v in plain["config"].items() if v is not None}
        condition = plain.get("condition")
        if condition is not None and not callable(condition):
            raise ConfigError(
                f"{step}: triggers[{index}].condition is a {type(condition).__name__}, "
                "not a function (input, ctx) -> bool"
            )
        triggers.append(plain)
    out["triggers"] = triggers
    return out


def reported(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The triggers as the `load` result shows them before JSON: a condition is `True`,
    middleware their names (runners/README.md)."""
    step = f"step '{config.get('name', '?')}'"
    out = []
    for index, trigger in enumerate(config["triggers"]):
        shown = dict(trigger)
        if "condition" in shown:
            shown["condition"] = True
        names = middleware_names(trigger, f"{step}: triggers[{index}]")
        if names is not None:
            shown["middleware"] = names
        out.append(shown)
    return out


def conditions(config: dict[str, Any]) -> dict[str, Any]:
    """`condition:<index>` -> the function, for each trigger that has one."""
    return {
        f"condition:{index}": trigger["condition"]
        for index, trigger in enumerate(config["triggers"])
        if trigger.get("condition") is not None
    }


def middleware(config: dict[str, Any]) -> dict[int, list[Any]]:
    """Each http trigger's middleware, by its index in `triggers`."""
    return {
        index: list(trigger["middleware"])
        for index, trigger in enumerate(config["triggers"])
        if trigger.get("middleware")
    }
