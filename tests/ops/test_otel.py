"""OpenTelemetry export (docs/reference.md §14) through a real server and real runners:
spans and logs caught by the SDK's in-memory exporters, then end to end by an
OTLP/HTTP receiver in the test decoding what Steppe sends; and without an endpoint,
OpenTelemetry is never imported.

Motia 1.0 exports OpenTelemetry (its `motia.config` observability settings); Motia
0.17 has only its own tracer (packages/core/src/observability/tracer.ts), whose
per-step spans Steppe's `Tracer` already mirrors: this exports them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from orchestrator.core.otel import OtelExport, SdkSpans
from orchestrator.core.otlp import Finished, OtlpSender
from orchestrator.core.tracing import Span
from tests.helpers import serving, wait_for
from tests.ops.conftest import Receiver
from tests.ops.test_traceparent import CALLER, CALLER_SPAN, CALLER_TRACE
from tests.ops.test_traceparent import STEPS as TRACEPARENT_STEPS

STEPS = {
    # The API step that starts the chain (it also answers its own traceparent).
    "steps/start.step.ts": TRACEPARENT_STEPS["steps/start.step.ts"],
    "steps/middle.step.py": """
config = {"type": "event", "name": "Middle", "subscribes": ["to.python"], "emits": ["to.ruby"]}

async def handler(data, context):
    context.logger.info("in the middle", {"n": 1})
    await context.emit({"topic": "to.ruby", "data": {}})
""",
    "steps/last.step.rb": """
def config
  { type: 'event', name: 'Last', subscribes: ['to.ruby'],
    infrastructure: { queue: { maxRetries: 0 } } }
end

def handler(data, context)
  raise 'boom at the end'
end
""",
}


async def test_spans_and_logs_reach_the_sdk_with_attributes_status_and_exceptions(
    make_project: Callable[..., Path],
) -> None:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    async with serving(make_project(STEPS)) as (services, client):
        export = OtelExport(SdkSpans(spans), logs, batch=False)
        export.attach(services.env.tracer, services.env.logs)
        response = await client.post("/start", json={}, headers={"traceparent": CALLER})
        assert response.status_code == 200
        await wait_for(lambda: sum(services.bus.dead_letters.values()) == 1)
    by_step = {span.attributes["steppe.step"]: span for span in spans.get_finished_spans()}
    start, middle, last = by_step["Start"], by_step["Middle"], by_step["Last"]
    assert start.kind == SpanKind.SERVER
    assert start.attributes["steppe.language"] == "node"
    assert start.attributes["steppe.trigger"] == "http"
    assert middle.attributes["steppe.topic"] == "to.python" and middle.kind == SpanKind.CONSUMER
    assert (middle.attributes["steppe.attempt"], middle.attributes["steppe.status"]) == (1, "ok")
    assert middle.status.status_code == StatusCode.OK
    assert last.attributes["steppe.language"] == "ruby"
    assert last.attributes["steppe.status"] == "error"
    assert last.status.status_code == StatusCode.ERROR
    (exception,) = [event for event in last.events if event.name == "exception"]
    assert exception.attributes["exception.message"] == "boom at the end"
    assert exception.attributes["exception.stacktrace"]
    # The same ids as the response's traceparent and the parent chain of the trace.
    assert {span.context.trace_id for span in by_step.values()} == {int(CALLER_TRACE, 16)}
    assert f"{start.context.span_id:016x}" == response.headers["traceparent"].split("-")[2]
    assert start.parent is not None and start.parent.span_id == int(CALLER_SPAN, 16)
    assert middle.parent is not None and middle.parent.span_id == start.context.span_id
    assert last.parent is not None and last.parent.span_id == middle.context.span_id
    (record,) = [
        r.log_record for r in logs.get_finished_logs() if r.log_record.body == "in the middle"
    ]
    assert (record.trace_id, record.span_id) == (middle.context.trace_id, middle.context.span_id)
    assert record.attributes is not None and record.attributes["steppe.step"] == "Middle"


async def test_an_otlp_receiver_gets_the_chain_in_the_callers_trace(
    make_project: Callable[..., Path],
    receiver: tuple[str, type[Receiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop")
    async with serving(make_project(STEPS)) as (services, client):
        response = await client.post("/start", json={}, headers={"traceparent": CALLER})
        assert response.status_code == 200
        await wait_for(lambda: sum(services.bus.dead_letters.values()) == 1)
    # Leaving `serving` flushed the batch processors.
    spans = {}
    for request in received.traces:
        for resource_spans in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            assert service["service.name"] == "shop"
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value for a in span.attributes}
                    spans[attributes["steppe.step"].string_value] = span
    assert set(spans) == {"Start", "Middle", "Last"}
    assert {span.trace_id.hex() for span in spans.values()} == {CALLER_TRACE}
    assert spans["Start"].parent_span_id.hex() == CALLER_SPAN
    assert spans["Middle"].parent_span_id == spans["Start"].span_id
    assert spans["Last"].parent_span_id == spans["Middle"].span_id
    last = spans["Last"]
    assert last.status.code == 2 and last.status.message == "RuntimeError: boom at the end"
    assert [event.name for event in last.events] == ["exception"]
    attributes = {a.key: a.value for a in last.attributes}
    assert attributes["steppe.topic"].string_value == "to.ruby"
    assert attributes["steppe.attempt"].int_value == 1
    assert attributes["steppe.language"].string_value == "ruby"
    assert last.kind == 5 and spans["Start"].kind == 2  # CONSUMER, SERVER
    assert last.end_time_unix_nano >= last.start_time_unix_nano > 0
    records = [
        record
        for request in received.logs
        for resource_logs in request.resource_logs
        for scope_logs in resource_logs.scope_logs
        for record in scope_logs.log_records
        if record.body.string_value == "in the middle"
    ]
    assert [(r.trace_id.hex(), r.span_id) for r in records] == [
        (CALLER_TRACE, spans["Middle"].span_id)
    ]


_PROBE = """
import sys, trio
from pathlib import Path
from tests.helpers import serving

async def main():
    async with serving(Path(sys.argv[1])) as (services, client):
        assert (await client.post("/start", json={})).status_code == 200
        await services.bus.wait_idle()
    print(sorted(name for name in sys.modules if name.startswith("opentelemetry")))

trio.run(main)
"""


def test_without_an_endpoint_opentelemetry_is_never_imported(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(STEPS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


async def test_a_caller_that_does_not_sample_gets_no_spans_exported(
    make_project: Callable[..., Path],
) -> None:
    spans = InMemorySpanExporter()
    async with serving(make_project(STEPS)) as (services, client):
        OtelExport(SdkSpans(spans), None, batch=False).attach(
            services.env.tracer, services.env.logs
        )
        unsampled = f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"
        response = await client.post("/start", json={}, headers={"traceparent": unsampled})
        await wait_for(lambda: sum(services.bus.dead_letters.values()) == 1)
    assert response.headers["traceparent"].endswith("-00")  # the decision travels on
    assert len(services.env.tracer.get(CALLER_TRACE).spans) == 3  # kept by Steppe
    assert spans.get_finished_spans() == ()


def test_the_sender_reads_the_traces_endpoint_headers_and_gzip(
    receiver: tuple[str, type[Receiver]],
) -> None:
    url, received = receiver
    environ = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9/unused",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{url}/v1/traces",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s%3Dcret",
        "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=shop,deployment.environment=prod",
    }
    span = Span(CALLER_TRACE, "S", "python", "cron", 1.0, duration_ms=2.0, status="ok")
    OtlpSender(environ)([Finished(span, "cron", "* * * * *")])
    ((request, headers),) = zip(received.traces, received.headers_of, strict=True)
    assert headers["x-api-key"] == "s=cret" and headers["content-encoding"] == "gzip"
    resource = request.resource_spans[0].resource.attributes
    assert {a.key: a.value.string_value for a in resource} == {
        "service.name": "shop", "deployment.environment": "prod", "telemetry.sdk.name": "steppe"
    }  # fmt: skip
    (sent,) = request.resource_spans[0].scope_spans[0].spans
    assert (sent.name, sent.parent_span_id, sent.kind) == ("cron S", b"", 1)
    assert (sent.start_time_unix_nano, sent.end_time_unix_nano) == (10**9, 10**9 + 2 * 10**6)


_WITHOUT_THE_EXTRA = """
import sys, trio
from pathlib import Path
sys.modules["opentelemetry"] = None  # as if `steppe[otel]` were not installed
from tests.helpers import serving

async def main():
    async with serving(Path(sys.argv[1])) as (services, client):
        assert (await client.post("/start", json={})).status_code == 200
        print([e["msg"] for e in services.env.logs.tail if "steppe[otel]" in e["msg"]])

trio.run(main)
"""


def test_an_endpoint_without_the_extra_warns_and_serves(
    make_project: Callable[..., Path],
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_THE_EXTRA, str(make_project(STEPS))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'steppe[otel]'" in done.stdout.strip().splitlines()[-1]
