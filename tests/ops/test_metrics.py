"""`/__steppe/metrics` (docs/reference.md §14) through a real server and real runners,
parsed with prometheus_client's text parser."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from orchestrator.core.metrics import ACCEPT_BUCKETS
from orchestrator.http.metrics import ACCEPT_METRIC, METRICS_PATH
from tests.helpers import serving, wait_for

STEPS = {
    "steps/order.step.ts": """
export const config = { type: 'api', name: 'Order', method: 'POST', path: '/orders/:id',
  emits: ['order.placed'] }
export const handler = async (req, { emit }) => {
  await emit({ topic: 'order.placed', data: { id: req.pathParams.id } })
  return { status: 202, body: { ok: true } }
}
""",
    "steps/flaky.step.py": """
attempts = {}
queue = {"maxRetries": 2, "backoff": {"type": "fixed", "delayMs": 10}}
config = {"type": "event", "name": "Flaky", "subscribes": ["order.placed"],
          "infrastructure": {"queue": queue}}

async def handler(data, context):
    attempts[data["id"]] = attempts.get(data["id"], 0) + 1
    if attempts[data["id"]] == 1:
        raise RuntimeError("first try fails")
""",
    "steps/doomed.step.rb": """
def config
  { type: 'event', name: 'Doomed', subscribes: ['order.placed'],
    infrastructure: { queue: { maxRetries: 0 } } }
end

def handler(data, context)
  raise 'always'
end
""",
}


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def test_metrics_count_requests_invocations_retries_and_dead_letters(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STEPS)) as (services, client):
        for n in range(3):
            assert (await client.post(f"/orders/{n}", json={})).status_code == 202
        assert (await client.get("/nowhere")).status_code == 404
        await wait_for(lambda: sum(services.bus.dead_letters.values()) == 3)
        await wait_for(lambda: services.bus.delivered == 3)
        response = await client.get(METRICS_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(response.text)
    route = {"route": "/orders/:id", "method": "POST", "status": "202"}
    assert _value(samples, "steppe_http_requests_total", **route) == 3
    assert _value(samples, "steppe_http_request_duration_seconds_count", **route) == 3
    assert _value(samples, "steppe_http_request_duration_seconds_bucket", **route, le="+Inf") == 3
    assert _value(samples, "steppe_http_requests_total", route="", method="GET", status="404") == 1
    assert _value(samples, "steppe_invocations_total", step="Order", kind="api", outcome="ok") == 3
    assert (
        _value(samples, "steppe_invocations_total", step="Flaky", kind="event", outcome="error")
        == 3
    )
    assert (
        _value(samples, "steppe_invocations_total", step="Flaky", kind="event", outcome="ok") == 3
    )
    assert _value(samples, "steppe_retries_total", step="Flaky") == 3
    assert _value(samples, "steppe_dead_letters_total", step="Doomed") == 3
    assert _value(samples, "steppe_queue_depth", step="Flaky", state="waiting") == 0
    # The scrape is a fixed route, not an API request.
    assert _value(samples, "steppe_http_requests_in_flight") == 0
    assert _value(samples, "steppe_invocations_in_flight") == 0
    for language in ("node", "python", "ruby"):
        assert _value(samples, "steppe_runner_up", language=language) == 1
        assert _value(samples, "steppe_runner_restarts_total", language=language) == 0
        assert _value(samples, "steppe_runner_memory_bytes", language=language) > 1_000_000


def _accepts(samples: Samples, store: str) -> tuple[list[float], float, float]:
    """The accept histogram's cumulative buckets (le order, +Inf last), count and sum."""
    bounds = [*map(repr, ACCEPT_BUCKETS), "+Inf"]
    buckets = [_value(samples, f"{ACCEPT_METRIC}_bucket", store=store, le=le) for le in bounds]
    return (
        buckets,
        _value(samples, f"{ACCEPT_METRIC}_count", store=store),
        _value(samples, f"{ACCEPT_METRIC}_sum", store=store),
    )


@pytest.mark.parametrize("store", ["memory", "sqlite"])
async def test_each_emit_s_durable_accept_is_timed_per_store(
    make_project: Callable[..., Path], store: str
) -> None:
    """Issue 23: the wait an `emit` pays for durability (the bus's `store.accept`),
    as a histogram fine enough to read 1 ms and 5 ms. Motia 0.17 keeps no metrics
    (packages/core/src/observability/ has its tracer only): Steppe's own."""
    async with serving(make_project(STEPS), queue=store) as (services, client):
        before = _samples((await client.get(METRICS_PATH)).text)
        for n in range(5):
            assert (await client.post(f"/orders/{n}", json={})).status_code == 202
        await wait_for(lambda: services.bus.delivered == 5)
        text = (await client.get(METRICS_PATH)).text
    after = _samples(text)
    assert _accepts(before, store) == ([0.0] * (len(ACCEPT_BUCKETS) + 1), 0.0, 0.0)
    buckets, count, total = _accepts(after, store)
    assert count == 5  # one accept per emit, whatever its number of subscribers
    assert buckets[-1] == count and buckets == sorted(buckets)  # cumulative
    # The sum lies within what the buckets allow: each accept between its bounds.
    counts = [b - a for a, b in zip([0.0, *buckets], buckets, strict=False)]
    lower = sum(n * b for n, b in zip(counts[1:], ACCEPT_BUCKETS, strict=False))
    assert counts[-1] == 0 and total > 0 and lower <= total
    assert total <= sum(n * b for n, b in zip(counts, ACCEPT_BUCKETS, strict=False))
    kinds = {family.name: family.type for family in text_string_to_metric_families(text)}
    assert kinds[ACCEPT_METRIC] == "histogram"


async def test_metrics_need_the_admin_token_in_start_mode(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    os.environ["STEPPE_ADMIN_TOKEN"] = "s3cret"
    async with serving(make_project(STEPS), mode="start") as (_, client):
        assert (await client.get(METRICS_PATH)).status_code == 401
        scraped = await client.get(
            METRICS_PATH, headers={"authorization": "Bearer s3cret", "host": "10.0.0.9:9100"}
        )
        assert scraped.status_code == 200
        assert "steppe_runner_up" in scraped.text


async def test_metrics_in_dev_check_the_host(make_project: Callable[..., Path]) -> None:
    async with serving(make_project(STEPS)) as (_, client):
        refused = await client.get(METRICS_PATH, headers={"host": "rebound.attacker.test"})
        assert refused.status_code == 403
