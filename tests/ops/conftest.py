"""An OTLP/HTTP receiver (protobuf) for the OpenTelemetry tests: what Steppe sends,
decoded with opentelemetry-proto."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class Receiver(BaseHTTPRequestHandler):
    """Keeps every decoded export request, by signal."""

    traces: list[ExportTraceServiceRequest]
    headers_of: list[dict[str, str]]  # `headers` is the request's own
    logs: list[ExportLogsServiceRequest]
    metrics: list[ExportMetricsServiceRequest]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path == "/v1/traces":
            self.traces.append(ExportTraceServiceRequest.FromString(body))
            self.headers_of.append({k.lower(): v for k, v in self.headers.items()})
        elif self.path == "/v1/logs":
            self.logs.append(ExportLogsServiceRequest.FromString(body))
        elif self.path == "/v1/metrics":
            self.metrics.append(ExportMetricsServiceRequest.FromString(body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    """The receiver's base URL, and its class holding what it received."""
    fresh = {"traces": [], "headers_of": [], "logs": [], "metrics": []}
    handler = type("Receiver", (Receiver,), fresh)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()
