"""Spans out over OTLP/HTTP (protobuf), encoded here rather than by the SDK.

The SDK's way (an SDK span per invocation, then its protobuf encoder) costs about
90 µs of the one Python thread per span, which took half the event bus's throughput
(`make bench`, section `otel`); here a finished span costs the event loop one
append, and a background thread encodes batches straight to bytes, the fixed
attributes of each step encoded once (the field numbers are those of
opentelemetry-proto's `trace/v1/trace.proto`; the tests decode what this sends with
opentelemetry-proto). It reads the standard variables of the OTLP exporter:
`OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `_HEADERS`, `_TIMEOUT`, `_COMPRESSION`
(gzip), `_CERTIFICATE`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, and the
batch processor's `OTEL_BSP_SCHEDULE_DELAY`, `_MAX_QUEUE_SIZE`, `_MAX_EXPORT_BATCH_SIZE`.
"""

from __future__ import annotations

import gzip
import logging
import os
import ssl
import struct
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from orchestrator import __version__
from orchestrator.core.tracing import Span, Trace

_log = logging.getLogger("steppe.otel")
_KINDS = {"api": 2, "event": 5, "cron": 1}  # SERVER, CONSUMER, INTERNAL
# start_time_unix_nano (7) and end_time_unix_nano (8), fixed64 each, with their tags.
_TIMES = struct.Struct("<BQBQ")
_ERROR_CODE = b"\x18\x02"  # Status.code (3) = STATUS_CODE_ERROR
_STATUS_OK = b"\x7a\x02\x18\x01"  # Span.status (15) = {code: STATUS_CODE_OK}


@dataclass(frozen=True, slots=True)
class Finished:
    """A span as it ended, with its trace's trigger (read then: the trace goes on)."""

    span: Span
    trigger: str | None
    detail: str | None

    @classmethod
    def of(cls, span: Span, trace: Trace | None) -> Finished:
        return cls(span, trace.trigger if trace else None, trace.detail if trace else None)


def span_attributes(finished: Finished) -> dict[str, Any]:
    """What every exported span says of its invocation (docs/reference.md §14)."""
    span = finished.span
    attributes: dict[str, Any] = {
        "steppe.step": span.step,
        "steppe.language": span.language,
        "steppe.kind": span.kind,
        "steppe.attempt": span.attempt,
        "steppe.status": span.status,
    }
    if span.topic is not None:
        attributes["steppe.topic"] = span.topic
    if span.emitted:
        attributes["steppe.emitted"] = list(span.emitted)
    if finished.trigger is not None:
        attributes["steppe.trigger"] = finished.trigger
        attributes["steppe.trigger.detail"] = finished.detail or ""
    return attributes


# -- protobuf, by hand ----------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _len(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _fixed64(field: int, value: int) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<Q", value)


def _any(value: Any) -> bytes:
    """An AnyValue: string 1, bool 2, int 3, double 4, array 5."""
    if isinstance(value, bool):
        return _varint(2 << 3) + _varint(int(value))
    if isinstance(value, int):
        return _varint(3 << 3) + _varint(value & 0xFFFFFFFFFFFFFFFF)
    if isinstance(value, float):
        return _varint(4 << 3 | 1) + struct.pack("<d", value)
    if isinstance(value, list):
        return _len(5, b"".join(_len(1, _any(item)) for item in value))
    return _len(1, str(value).encode())


def _attributes(field: int, attributes: Mapping[str, Any]) -> bytes:
    """Repeated KeyValue {key 1, value 2}."""
    return b"".join(
        _len(field, _len(1, key.encode()) + _len(2, _any(value)))
        for key, value in attributes.items()
    )


class SpanEncoder:
    """ExportTraceServiceRequest bytes for batches of finished spans."""

    def __init__(self, resource: Mapping[str, Any]) -> None:
        scope = _len(1, b"steppe") + _len(2, __version__.encode())
        self._resource = _len(1, _attributes(1, resource))
        self._scope = _len(1, scope)
        # The attributes shared by many spans (one step's, ok or failed), encoded once.
        self._fixed: dict[tuple[Any, ...], bytes] = {}

    def request(self, batch: list[Finished]) -> bytes:
        spans = b"".join(_len(2, self._span(finished)) for finished in batch)
        return _len(1, self._resource + _len(2, self._scope + spans))

    def _span(self, finished: Finished) -> bytes:
        span = finished.span
        start = int(span.started * 1e9)
        end = start + int((span.duration_ms or 0) * 1e6)
        # Tags and lengths spelled out: this runs for every span.
        parts = [
            b"\x0a\x10",
            bytes.fromhex(span.trace_id),
            b"\x12\x08",
            bytes.fromhex(span.span_id),
        ]
        if span.parent_id is not None:
            parts += (b"\x22\x08", bytes.fromhex(span.parent_id))
        parts += (self._fixed_part(finished), _TIMES.pack(0x39, start, 0x41, end))
        if finished.detail is not None:
            parts.append(_attributes(9, {"steppe.trigger.detail": finished.detail}))
        if span.error is not None:
            parts.append(_len(11, self._exception(span.error, end)))
            message = f"{span.error.get('name')}: {span.error.get('message')}"
            parts.append(_len(15, _len(2, message.encode()) + _ERROR_CODE))
        else:
            parts.append(_STATUS_OK)
        return b"".join(parts)

    def _fixed_part(self, finished: Finished) -> bytes:
        """Name 5, kind 6, and the attributes that do not change from span to span."""
        span = finished.span
        key = (span.step, span.language, span.kind, span.topic, span.attempt, span.status,
               tuple(span.emitted), finished.trigger)  # fmt: skip
        known = self._fixed.get(key)
        if known is None:
            if len(self._fixed) > 10_000:  # bounded: topics and attempts are few, but not fixed
                self._fixed.clear()
            attributes = span_attributes(finished)
            attributes.pop("steppe.trigger.detail", None)
            known = self._fixed[key] = (
                _len(5, f"{span.kind} {span.step}".encode())
                + _varint(6 << 3)
                + _varint(_KINDS.get(span.kind, 1))
                + _attributes(9, attributes)
            )
        return known

    @staticmethod
    def _exception(error: dict[str, Any], at: int) -> bytes:
        """Event {time 1, name 2, attributes 3}, as the semantic conventions name it."""
        attributes = {
            "exception.type": str(error.get("name")),
            "exception.message": str(error.get("message")),
            "exception.stacktrace": str(error.get("stack") or ""),
        }
        return _fixed64(1, at) + _len(2, b"exception") + _attributes(3, attributes)


# -- configuration and sending --------------------------------------------------


def _pairs(text: str) -> dict[str, str]:
    """`k=v,k2=v2` (percent-encoded), as OTEL_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES."""
    pairs = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[unquote(key.strip())] = unquote(value.strip())
    return pairs


def resource_attributes(environ: Mapping[str, str]) -> dict[str, str]:
    attributes = {"service.name": "steppe", "telemetry.sdk.name": "steppe"}
    attributes |= _pairs(environ.get("OTEL_RESOURCE_ATTRIBUTES", ""))
    if environ.get("OTEL_SERVICE_NAME", "").strip():
        attributes["service.name"] = environ["OTEL_SERVICE_NAME"].strip()
    return attributes


def _setting(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """OTEL_EXPORTER_OTLP_TRACES_<name>, else OTEL_EXPORTER_OTLP_<name>."""
    for variable in (f"OTEL_EXPORTER_OTLP_TRACES_{name}", f"OTEL_EXPORTER_OTLP_{name}"):
        value = environ.get(variable, "").strip()
        if value:
            return value
    return default


class OtlpSender:
    """POSTs encoded batches to the collector (from the shipping thread)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        specific = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
        base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip().rstrip("/")
        self.url = specific or f"{base}/v1/traces"
        self._headers = {"content-type": "application/x-protobuf"}
        self._headers |= _pairs(_setting(environ, "HEADERS"))
        self._gzip = _setting(environ, "COMPRESSION").lower() == "gzip"
        if self._gzip:
            self._headers["content-encoding"] = "gzip"
        # Seconds, as the Python SDK reads it (10 by default).
        self._timeout = float(_setting(environ, "TIMEOUT", "10"))
        certificate = _setting(environ, "CERTIFICATE")
        self._tls = ssl.create_default_context(cafile=certificate) if certificate else None
        self._encoder = SpanEncoder(resource_attributes(environ))
        self._complained = 0.0

    def __call__(self, batch: list[Finished]) -> None:
        body = self._encoder.request(batch)
        if self._gzip:
            body = gzip.compress(body)
        request = urllib.request.Request(self.url, body, self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=self._tls) as r:
                r.read()
        except OSError as exc:  # URLError and HTTPError too: the batch is dropped
            now = time.monotonic()
            if now - self._complained > 60:  # once a minute, not once a batch
                self._complained = now
                _log.warning("spans not exported to %s: %s", self.url, exc)


class Shipper:
    """A background thread that hands queued spans to `send` in batches: every
    `delay` seconds, or sooner when a batch is full. A full queue drops new spans."""

    def __init__(
        self, send: Callable[[list[Finished]], None], environ: Mapping[str, str] = os.environ
    ) -> None:
        self._send = send
        self._delay = float(environ.get("OTEL_BSP_SCHEDULE_DELAY") or 5000) / 1000
        self._max_queue = int(environ.get("OTEL_BSP_MAX_QUEUE_SIZE") or 2048)
        self._batch = int(environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") or 512)
        self._queue: deque[Finished] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="steppe-otlp", daemon=True)
        self._thread.start()

    def add(self, finished: Finished) -> None:
        """Called on the event loop: an append (deques are thread-safe)."""
        if len(self._queue) >= self._max_queue:
            return
        self._queue.append(finished)
        if len(self._queue) == self._batch:
            self._wake.set()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._delay)
            self._wake.clear()
            self._drain()
        self._drain()

    def _drain(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self._batch, len(self._queue)))]
            try:
                self._send(batch)
            except Exception:  # a thread must not die of one batch
                _log.exception("spans not exported")

    def shutdown(self) -> None:
        """Send what is queued, then stop (blocking)."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
