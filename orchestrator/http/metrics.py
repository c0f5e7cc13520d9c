"""`GET /__steppe/metrics`: Prometheus text (docs/reference.md §14).

Counters come from `core/metrics.Metrics` (kept by the tracer and the API path),
the bus (retries, dead letters) and the runner pool (restarts); gauges (queue depth,
in flight, runners up, runner memory) are read when scraped. In `dev` the route is
open to an allowed `Host`, as the admin API; in `start` it needs the admin token, as
the admin API, but any `Host`: a scraper names the server as it likes, and the token
is what keeps strangers out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import accumulate

from quart import Blueprint, Response, request

from orchestrator.core.metrics import LATENCY_BUCKETS, Histogram
from orchestrator.http.auth import admin_refusal, bearer
from orchestrator.http.env import HttpEnv, current_env
from orchestrator.http.origin import host_refusal
from orchestrator.runtime.memory import rss_bytes

METRICS_PATH = "/__steppe/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

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
    counts = env.tracer.metrics
    _requests(out, counts.requests)
    _family(
        out, "steppe_invocations_total", "counter", "Step invocations by outcome (ok, error).",
        (({"step": s, "kind": k, "outcome": o}, n) for (s, k, o), n in counts.invocations.items()),
    )  # fmt: skip
    _family(
        out, "steppe_retries_total", "counter", "Failed deliveries scheduled to be retried.",
        (({"step": step}, n) for step, n in env.bus.retries.items()),
    )  # fmt: skip
    _family(
        out, "steppe_dead_letters_total", "counter", "Deliveries dead-lettered since start.",
        (({"step": step}, n) for step, n in env.bus.dead_letters.items()),
    )  # fmt: skip
    depth = [
        ({"step": view["step"], "state": state}, view[key])
        for view in await env.bus.queues()
        for state, key in _QUEUE_STATES
    ]
    _family(out, "steppe_queue_depth", "gauge", "Deliveries pending per event step.", depth)
    _family(
        out, "steppe_http_requests_in_flight", "gauge", "API requests being answered.",
        [({}, len(env.in_flight))],
    )  # fmt: skip
    _family(
        out, "steppe_invocations_in_flight", "gauge", "Invocations running on runners.",
        [({}, env.invoker.pool.in_flight)],
    )  # fmt: skip
    _runners(out, env)
    return "\n".join(out) + "\n"


def _requests(out: list[str], requests: Mapping[tuple[str, str, int], Histogram]) -> None:
    name = "steppe_http_request_duration_seconds"
    total = "steppe_http_requests_total"
    out += [f"# HELP {total} API requests by route, method and status.", f"# TYPE {total} counter"]
    for (route, method, status), histogram in requests.items():
        labels = {"route": route, "method": method, "status": status}
        out.append(f"{total}{_labels(labels)} {histogram.count}")
    out += [f"# HELP {name} API request latency.", f"# TYPE {name} histogram"]
    for (route, method, status), histogram in requests.items():
        labels = {"route": route, "method": method, "status": status}
        for bound, cumulative in zip(
            (*map(repr, LATENCY_BUCKETS), "+Inf"), accumulate(histogram.buckets), strict=True
        ):
            out.append(f"{name}_bucket{_labels({**labels, 'le': bound})} {cumulative}")
        out.append(f"{name}_sum{_labels(labels)} {histogram.total!r}")
        out.append(f"{name}_count{_labels(labels)} {histogram.count}")


def _runners(out: list[str], env: HttpEnv) -> None:
    supervisors = env.invoker.pool.supervisors
    _family(
        out, "steppe_runner_up", "gauge", "1 while the language's runner takes calls.",
        (({"language": lang}, int(s.ready)) for lang, s in supervisors.items()),
    )  # fmt: skip
    _family(
        out, "steppe_runner_restarts_total", "counter", "Runner processes restarted.",
        (({"language": lang}, s.restarts) for lang, s in supervisors.items()),
    )  # fmt: skip
    memory = ((lang, rss_bytes(s.pid)) for lang, s in supervisors.items())
    _family(
        out, "steppe_runner_memory_bytes", "gauge", "Resident memory of each runner process.",
        (({"language": lang}, rss) for lang, rss in memory if rss is not None),
    )  # fmt: skip


def _family(
    out: list[str], name: str, kind: str, help_text: str, samples: Iterable[tuple[Labels, object]]
) -> None:
    out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    out.extend(f"{name}{_labels(labels)} {value}" for labels, value in samples)


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    pairs = ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items())
    return "{" + pairs + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
