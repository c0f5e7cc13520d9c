"""Motia 1.0's atomic update operations (`state.update`, `streams.<name>.update`), read
from a context call and applied to one value (docs/reference.md §3).

The shapes are iii-sdk's `UpdateOp` (MotiaDev/motia, sdk/packages/node/iii/src/stream.ts;
the engine's serde form in sdk/packages/rust/iii/src/types.rs): `{type: 'set', path,
value}`, `{type: 'merge', path?, value}`, `{type: 'increment' | 'decrement', path, by}`,
`{type: 'remove', path}`. What each does follows the engine's built-in store
(engine/src/builtins/kv.rs `update`): a missing value starts as `{}`; a path names one
top-level field, taken literally (a dot is part of the name); `set` with the path ''
replaces the whole value; `merge` is shallow. Where the engine logs a warning and skips
an op (a field op on a value that is not an object, a merge of a non-object), Steppe
refuses the whole update with a ValidationError, so nothing is half applied. Numbers
need not be integers (the engine's `as_i64` takes a float field for a missing one), and a
decrement of a missing or non-numeric field gives `-by` (the engine's gives 0 for a
non-numeric one, `-by` for a missing one).

Every backend applies the ops with `apply_ops` inside its own atomic section; the
functions here are pure and need no I/O, so they may run on a store's worker thread.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSON

OpType = Literal["set", "merge", "increment", "decrement", "remove"]
OP_TYPES: tuple[OpType, ...] = ("set", "merge", "increment", "decrement", "remove")


@dataclass(frozen=True, slots=True)
class UpdateOp:
    """One operation; `path` '' is the whole value (for `set` and `merge`)."""

    type: OpType
    path: str = ""
    value: JSON = None
    by: int | float = 0


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The value before a write (None when there was none) and after it."""

    old_value: JSON
    new_value: JSON

    def as_json(self) -> dict[str, JSON]:
        """What 1.0's `update` and `set` resolve to: `{old_value, new_value}` (snake_case,
        as the engine's `UpdateResult` and `SetResult` serialise)."""
        return {"old_value": self.old_value, "new_value": self.new_value}


def parse_ops(raw: Any, where: str) -> list[UpdateOp]:
    """The ops of a context call, or a ValidationError naming the op and its field."""
    if not isinstance(raw, list):
        raise _invalid(where, f"ops must be a list of operations, got {_kind(raw)}")
    return [_parse_op(op, f"{where}: ops[{index}]") for index, op in enumerate(raw)]


def _parse_op(raw: Any, where: str) -> UpdateOp:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in OP_TYPES:
        shown = repr(kind) if kind is not None else "missing"
        raise _invalid(where, f"type must be one of {', '.join(OP_TYPES)} (got {shown})")
    path = raw.get("path")
    # The engine's merge takes `path: Option<FieldPath>`: none means the whole value; the
    # other ops need one.
    if kind == "merge" and path is None:
        path = ""
    if not isinstance(path, str):
        raise _invalid(where, f"{kind}: path must be a string (got {_kind(path)})")
    if kind in ("increment", "decrement"):
        by = raw.get("by")
        if isinstance(by, bool) or not isinstance(by, int | float) or not math.isfinite(by):
            raise _invalid(where, f"{kind} '{path}': by must be a finite number (got {_kind(by)})")
        return UpdateOp(kind, path, by=by)
    value = raw.get("value")
    if kind == "merge" and not isinstance(value, dict):
        raise _invalid(where, f"merge: value must be an object (got {_kind(value)})")
    return UpdateOp(kind, path, value=value)


def apply_ops(current: JSON, ops: list[UpdateOp], where: str) -> JSON:
    """The value after `ops`, applied in order to a copy of `current` (None, a missing
    value, starts as `{}`); ValidationError when an op does not fit the value."""
    value: JSON = {} if current is None else copy.deepcopy(current)
    for index, op in enumerate(ops):
        if op.type == "set" and op.path == "":
            value = copy.deepcopy(op.value)
            continue
        if not isinstance(value, dict):
            raise _invalid(
                f"{where}: ops[{index}]",
                f"{op.type} '{op.path}' needs the value to be an object, it is {_kind(value)}",
            )
        _apply_field_op(value, op, f"{where}: ops[{index}]")
    return value


def _apply_field_op(value: dict[str, JSON], op: UpdateOp, where: str) -> None:
    if op.type == "set":
        value[op.path] = copy.deepcopy(op.value)
    elif op.type == "remove":
        value.pop(op.path, None)
    elif op.type == "merge":
        target = value if op.path == "" else value.get(op.path)
        if target is None:
            target = value[op.path] = {}
        if not isinstance(target, dict):
            raise _invalid(where, f"merge '{op.path}': the field is {_kind(target)}, not an object")
        target.update(copy.deepcopy(op.value))
    else:
        by = op.by if op.type == "increment" else -op.by
        old = value.get(op.path)
        # A missing or non-numeric field starts over at `by`, as in the engine.
        if isinstance(old, int | float) and not isinstance(old, bool):
            value[op.path] = old + by
        else:
            value[op.path] = by


def _invalid(where: str, message: str) -> CallbackError:
    return CallbackError("ValidationError", f"{where}: {message}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
