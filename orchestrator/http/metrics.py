"""`GET /__steppe/metrics`: Prometheus text (docs/reference.md §14).

Counters come from `core/metrics.Metrics` (kept by the tracer and the API path),
the bus (retries, dead letters, the accepts' latency) and the runner pool
(restarts); gauges (queue depth, in flight, runners up, runner memory) are read
when scraped. `families` is the one list of them, which the OpenTelemetry export
reads too (core/otel_metrics.py). In `dev` the route is open to an allowed `Host`,
as the admin API; in `start` it needs the admin token, as the admin API, but any
`Host`: a scraper names the server as it likes, and the token is what keeps
strangers out.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import accumulate

from quart import Blueprint, Response, request

from orchestrator.core.metrics import (
    AnyFamily,
    Family,
    HistogramFamily,
    HistogramSample,
    Sample,
)
from orchestrator.http.auth import admin_refusal, bearer
from orchestrator.http.env import HttpEnv, current_env
from orchestrator.http.origin import host_refusal
from orchestrator.runtime.memory import rss_bytes

METRICS_PATH = "/__steppe/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The wait of each emit for its durable accept (what the bench reads, issue 23).
ACCEPT_METRIC = "steppe_emit_accept_seconds"

metrics = Blueprint("steppe_metrics", __name__)

Labels = Mapping[str, object]
# The `state` label of steppe_queue_depth, and the field of `EventBus.queues` it reads.
_QUEUE_STATES = (("in_flight", "inFlight"), ("waiting", "waiting"), ("delayed", "delayed"))


@metrics.get(METRICS_PATH)
async def scrape() -> Response:
    env = current_env()
    if env.mode == "dev":
        refused = host_refusal(request.host, env.settings)
    else:
        refused = admin_refusal(env, bearer(request.headers.get("authorization", "")))
    if refused is not None:
        return refused
    return Response(await prometheus_text(env), content_type=CONTENT_TYPE)


async def prometheus_text(env: HttpEnv) -> str:
    """Every metric, in the Prometheus text exposition format 0.0.4."""
    out: list[str] = []
    for family in families(env):
        kind = family.kind if isinstance(family, Family) else "histogram"
        out += [
            f"# HELP {family.prometheus} {family.description}",
            f"# TYPE {family.prometheus} {kind}",
        ]
        if isinstance(family, HistogramFamily):
            _histogram(out, family.prometheus, await family.read())
            continue
        samples = await family.read()
        out.extend(f"{family.prometheus}{_labels(a)} {value}" for a, value in samples)
    return "\n".join(out) + "\n"


def families(env: HttpEnv) -> list[AnyFamily]:
    """Every counter, gauge and histogram (docs/reference.md §14), each read when asked."""
    counts, bus, pool = env.tracer.metrics, env.bus, env.invoker.pool

    async def requests() -> list[Sample]:
        return [
            ({"route": route, "method": method, "status": status}, histogram.count)
            for (route, method, status), histogram in counts.requests.items()
        ]

    async def latency() -> list[HistogramSample]:
        return [
            ({"route": route, "method": method, "status": status}, histogram)
            for (route, method, status), histogram in counts.requests.items()
        ]

    async def invocations() -> list[Sample]:
        return [
            ({"step": s, "kind": k, "outcome": o}, n) for (s, k, o), n in counts.invocations.items()
        ]

    async def retries() -> list[Sample]:
        return [({"step": step}, n) for step, n in bus.retries.items()]

    async def dead_letters() -> list[Sample]:
        return [({"step": step}, n) for step, n in bus.dead_letters.items()]

    async def accepts() -> list[HistogramSample]:
        return [({"store": env.settings.queue}, bus.accepts)]

    async def depth() -> list[Sample]:
        return [
            ({"step": view["step"], "state": state}, view[key])
            for view in await bus.queues()
            for state, key in _QUEUE_STATES
        ]

    async def http_in_flight() -> list[Sample]:
        return [({}, len(env.in_flight))]

    async def invocations_in_flight() -> list[Sample]:
        return [({}, pool.in_flight)]

    return [
        Family("steppe_http_requests_total", "steppe.http.requests", "counter", "{request}",
               "API requests by route, method and status.", requests),
        HistogramFamily("steppe_http_request_duration_seconds", "steppe.http.request.duration",
                        "s", "API request latency.", latency),
        Family("steppe_invocations_total", "steppe.invocations", "counter", "{invocation}",
               "Step invocations by outcome (ok, error).", invocations),
        Family("steppe_retries_total", "steppe.retries", "counter", "{delivery}",
               "Failed deliveries scheduled to be retried.", retries),
        Family("steppe_dead_letters_total", "steppe.dead_letters", "counter", "{delivery}",
               "Deliveries dead-lettered since start.", dead_letters),
        Family("steppe_queue_depth", "steppe.queue.depth", "gauge", "{delivery}",
               "Deliveries pending per event step.", depth),
        HistogramFamily(ACCEPT_METRIC, "steppe.emit.accept.duration", "s",
                        "Wait of an emit for its deliveries to be accepted (durable) by the "
                        "queue store.", accepts),
        Family("steppe_http_requests_in_flight", "steppe.http.requests.in_flight", "gauge",
               "{request}", "API requests being answered.", http_in_flight),
        Family("steppe_invocations_in_flight", "steppe.invocations.in_flight", "gauge",
               "{invocation}", "Invocations running on runners.", invocations_in_flight),
        *_runners(env),
    ]  # fmt: skip


def _runners(env: HttpEnv) -> list[Family]:
    supervisors = env.invoker.pool.supervisors

    async def up() -> list[Sample]:
        return [({"language": lang}, int(s.ready)) for lang, s in supervisors.items()]

    async def restarts() -> list[Sample]:
        return [({"language": lang}, s.restarts) for lang, s in supervisors.items()]

    async def memory() -> list[Sample]:
        rss = ((lang, rss_bytes(s.pid)) for lang, s in supervisors.items())
        return [({"language": lang}, value) for lang, value in rss if value is not None]

    return [
        Family("steppe_runner_up", "steppe.runner.up", "gauge", "1",
               "1 while the language's runner takes calls.", up),
        Family("steppe_runner_restarts_total", "steppe.runner.restarts", "counter", "{restart}",
               "Runner processes restarted.", restarts),
        Family("steppe_runner_memory_bytes", "steppe.runner.memory", "gauge", "By",
               "Resident memory of each runner process.", memory),
    ]  # fmt: skip


def _histogram(out: list[str], name: str, series: list[HistogramSample]) -> None:
    for labels, histogram in series:
        bounds = (*map(repr, histogram.bounds), "+Inf")
        for bound, cumulative in zip(bounds, accumulate(histogram.buckets), strict=True):
            out.append(f"{name}_bucket{_labels({**labels, 'le': bound})} {cumulative}")
        out.append(f"{name}_sum{_labels(labels)} {histogram.total!r}")
        out.append(f"{name}_count{_labels(labels)} {histogram.count}")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    pairs = ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items())
    return "{" + pairs + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
