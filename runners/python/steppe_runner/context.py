"""What a handler sees: its input and its context (docs/reference.md §3, runners/README.md).

Every capability is a request to the orchestrator carrying the invocation id. On
the event-loop thread a call returns an awaitable (the request is already sent,
so even an un-awaited `emit` happens); in a plain `def` handler's worker thread
the same call blocks and returns the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from .values import to_loggable, to_plain


class Invocation(Protocol):
    """The runner's side of one invocation, as the context uses it."""

    iid: int

    def call(
        self, method: str, params: dict[str, Any], wrap: Callable[[Any], Any] | None = None
    ) -> Any:
        """Send a request for this invocation; awaitable on the loop, blocking elsewhere."""
        ...

    def log(self, params: dict[str, Any]) -> None:
        """Send a `log` note; callable from any thread."""
        ...


class Input(dict[str, Any]):
    """A handler's input: a dict whose top-level keys are also attributes.

    `req.body`, `req.pathParams` and `req.path_params` all work.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        camel = _camel(name)
        if camel in self:
            return self[camel]
        raise AttributeError(f"input has no key {name!r}")


class GroupList(list[Any]):
    """A list of group values that also answers `.values()` (the seed's examples call it)."""

    __slots__ = ()

    def values(self) -> list[Any]:
        return list(self)


def _group_list(values: Any) -> GroupList:
    return GroupList(values or ())


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Logger:
    """`logger.info(msg, fields)`; keyword arguments are fields too."""

    __slots__ = ("_invocation",)

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation

    def _log(self, level: str, msg: Any, fields: Mapping[str, Any] | None, kw: Any) -> None:
        merged = {**fields, **kw} if fields else kw
        self._invocation.log(
            {
                "iid": self._invocation.iid,
                "level": level,
                "msg": msg if type(msg) is str else str(msg),
                "fields": to_loggable(merged),
                "source": "logger",
            }
        )

    def debug(self, msg: Any, fields: Mapping[str, Any] | None = None, **kw: Any) -> None:
        self._log("debug", msg, fields, kw)

    def info(self, msg: Any, fields: Mapping[str, Any] | None = None, **kw: Any) -> None:
        self._log("info", msg, fields, kw)

    def warn(self, msg: Any, fields: Mapping[str, Any] | None = None, **kw: Any) -> None:
        self._log("warn", msg, fields, kw)

    warning = warn

    def error(self, msg: Any, fields: Mapping[str, Any] | None = None, **kw: Any) -> None:
        self._log("error", msg, fields, kw)


class State:
    """`state.get/set/delete/get_group/clear`, keyed by arbitrary strings. `v1`: answer in
    Motia 1.0's shapes (motia-py state.py): `set` returns {"new_value", "old_value"}."""

    __slots__ = ("_invocation", "_v1")

    def __init__(self, invocation: Invocation, v1: bool = False) -> None:
        self._invocation = invocation
        self._v1 = v1

    def get(self, group: str, key: str) -> Any:
        iid = self._invocation.iid
        return self._invocation.call("state.get", {"iid": iid, "group": group, "key": key})

    def set(self, group: str, key: str, value: Any) -> Any:
        params = {
            "iid": self._invocation.iid,
            "group": group,
            "key": key,
            "value": to_plain(value, "state value"),
        }
        return self._invocation.call("state.replace" if self._v1 else "state.set", params)

    def delete(self, group: str, key: str) -> Any:
        iid = self._invocation.iid
        return self._invocation.call("state.delete", {"iid": iid, "group": group, "key": key})

    def get_group(self, group: str) -> Any:
        params = {"iid": self._invocation.iid, "group": group}
        return self._invocation.call("state.getGroup", params, _group_list)

    getGroup = get_group

    def clear(self, group: str) -> Any:
        return self._invocation.call("state.clear", {"iid": self._invocation.iid, "group": group})

    def list(self, group: str) -> Any:
        params = {"iid": self._invocation.iid, "group": group}
        return self._invocation.call("state.list", params, _group_list)

    def list_groups(self) -> Any:
        return self._invocation.call("state.listGroups", {"iid": self._invocation.iid})

    listGroups = list_groups

    # Motia 1.0 (motia-py/packages/motia/src/motia/state.py): `update` applies the ops
    # atomically and returns {"old_value", "new_value"}.
    def update(self, group: str, key: str, ops: Any) -> Any:
        params = {
            "iid": self._invocation.iid,
            "group": group,
            "key": key,
            "ops": to_plain(ops, "update ops"),
        }
        return self._invocation.call("state.update", params)


class Stream:
    """One stream: `get/set/delete/get_group/send`. `v1`: answer in Motia 1.0's shapes
    (motia-py streams.py): `set` returns {"new_value", "old_value"}, `delete` None."""

    __slots__ = ("_invocation", "_name", "_v1")

    def __init__(self, invocation: Invocation, name: str, v1: bool = False) -> None:
        self._invocation = invocation
        self._name = name
        self._v1 = v1

    def _params(self, group_id: str, **more: Any) -> dict[str, Any]:
        return {"iid": self._invocation.iid, "stream": self._name, "groupId": group_id, **more}

    def get(self, group_id: str, id: str) -> Any:
        return self._invocation.call("streams.get", self._params(group_id, id=id))

    def set(self, group_id: str, id: str, data: Any) -> Any:
        params = self._params(group_id, id=id, data=to_plain(data, "stream item"))
        return self._invocation.call("streams.replace" if self._v1 else "streams.set", params)

    def delete(self, group_id: str, id: str) -> Any:
        params = self._params(group_id, id=id)
        return self._invocation.call("streams.delete", params, _nothing if self._v1 else None)

    def get_group(self, group_id: str) -> Any:
        return self._invocation.call("streams.getGroup", self._params(group_id), _group_list)

    getGroup = get_group

    def send(self, channel: Mapping[str, Any], event: Mapping[str, Any]) -> Any:
        params = {
            "iid": self._invocation.iid,
            "stream": self._name,
            "channel": to_plain(channel, "channel"),
            "event": to_plain(event, "event"),
        }
        return self._invocation.call("streams.send", params)

    # Motia 1.0 (motia-py/packages/motia/src/motia/streams.py).

    def list(self, group_id: str) -> Any:
        return self._invocation.call("streams.list", self._params(group_id), _group_list)

    def list_groups(self) -> Any:
        params = {"iid": self._invocation.iid, "stream": self._name}
        return self._invocation.call("streams.listGroups", params)

    listGroups = list_groups

    def update(self, group_id: str, id: str, ops: Any) -> Any:
        params = self._params(group_id, id=id, ops=to_plain(ops, "update ops"))
        return self._invocation.call("streams.update", params)


class Streams:
    """Any stream by name: `streams["chat-messages"]` or `streams.chatMessages`."""

    __slots__ = ("_invocation", "_v1")

    def __init__(self, invocation: Invocation, v1: bool = False) -> None:
        self._invocation = invocation
        self._v1 = v1

    def __getitem__(self, name: str) -> Stream:
        return Stream(self._invocation, name, self._v1)

    def __getattr__(self, name: str) -> Stream:
        if name.startswith("__"):  # keep copy, pickle and friends from finding a "stream"
            raise AttributeError(name)
        return Stream(self._invocation, name, self._v1)


def _nothing(_answer: Any) -> None:
    return None


# emit's optional keys, in the Python spelling and the protocol's.
_EMIT_KEYS = {
    "idempotency_key": "idempotencyKey",
    "message_group_id": "messageGroupId",
    "delay_seconds": "delaySeconds",
}
# Every key of the context, and the attribute behind it.
_KEYS = {
    "traceId": "traceId",
    "trace_id": "traceId",
    "traceparent": "traceparent",
    "flows": "flows",
    "logger": "logger",
    "emit": "emit",
    "state": "state",
    "streams": "streams",
}


class Context(Mapping[str, Any]):
    """The handler's context: `context.logger` and `context["logger"]` alike."""

    # Whether `state` and `streams` answer in Motia 1.0's shapes (a FlowContext's do, as
    # the release candidates' FlowContext held the module's `stateManager`).
    V1_SHAPES = False

    __slots__ = ("_invocation", "_logger", "_state", "_streams", "flows", "traceId", "traceparent")

    def __init__(
        self,
        invocation: Invocation,
        trace_id: str | None,
        flows: list[str],
        traceparent: str | None = None,
    ) -> None:
        self._invocation = invocation
        self.traceId = trace_id
        # This invocation's span as a W3C header, for an outbound HTTP call to pass on.
        self.traceparent = traceparent
        self.flows = flows
        # Made on first use: most handlers touch one or two of them.
        self._logger: Logger | None = None
        self._state: State | None = None
        self._streams: Streams | None = None

    @property
    def trace_id(self) -> str | None:
        return self.traceId

    @property
    def logger(self) -> Logger:
        if self._logger is None:
            self._logger = Logger(self._invocation)
        return self._logger

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = State(self._invocation, self.V1_SHAPES)
        return self._state

    @property
    def streams(self) -> Streams:
        if self._streams is None:
            self._streams = Streams(self._invocation, self.V1_SHAPES)
        return self._streams

    @property
    def module_state(self) -> State:
        """The `motia` module's `state_manager` for this invocation: 1.0's shapes always."""
        return self.state if self.V1_SHAPES else State(self._invocation, True)

    @property
    def module_streams(self) -> Streams:
        """The streams of the `motia` module's `Stream`s: 1.0's shapes always."""
        return self.streams if self.V1_SHAPES else Streams(self._invocation, True)

    def emit(self, event: Mapping[str, Any] | None = None, /, **fields: Any) -> Any:
        """`emit({"topic": ..., "data": ...})` or `emit(topic=..., data=...)`."""
        merged = {**event, **fields} if event else fields
        params = {_EMIT_KEYS.get(key, key): value for key, value in merged.items()}
        if not isinstance(params.get("topic"), str):
            raise TypeError("emit() needs a topic (a string)")
        params = {"iid": self._invocation.iid, **to_plain(params, "event")}
        return self._invocation.call("emit", params)

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, _KEYS[key])
        except KeyError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(("traceId", "traceparent", "flows", "logger", "emit", "state", "streams"))

    def __len__(self) -> int:
        return 7

    def __repr__(self) -> str:
        return f"<Context traceId={self.traceId!r} flows={self.flows!r}>"
