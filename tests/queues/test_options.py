"""Queue options as a project states them (docs/reference.md §12): each is checked
when the step loads (a wrong type or an unknown option is an error naming the step and
the field, and the step is not served), and the admin API's queue view shows per
event step its kind, limits, and in-flight, waiting and delayed counts.

Motia 0.17 checks `infrastructure.queue` with zod when it loads a step
(packages/core/src/infrastructure-validator/schemas.ts, `queueSchema`, at
v0.17.14-beta.196), naming the field: `type` must be 'standard' or 'fifo'.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving, wait_for

BROKEN = {
    "steps/typo.step.ts": """
export const config = { type: 'event', name: 'Typo', subscribes: ['a'], emits: [],
  infrastructure: { queue: { concurency: 2 } } }
export const handler = async () => {}
""",
    "steps/wrong_type.step.rb": """
def config
  { type: 'event', name: 'WrongType', subscribes: ['a'], emits: [],
    infrastructure: { queue: { type: 'lifo', rateLimit: { limit: 'ten', periodSeconds: 1 } } } }
end

def handler(input, context); end
""",
    "steps/fine_step.py": """
config = {"type": "event", "name": "Fine", "subscribes": ["a"], "emits": [],
          "infrastructure": {"queue": {"type": "fifo", "messageGroupField": "user",
                                       "debounce": {"periodSeconds": 1}}}}

async def handler(data, context):
    pass
""",
}


async def test_a_wrong_or_unknown_queue_option_is_an_error_naming_the_step_and_field(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(BROKEN)
    async with serving(project) as (services, _):
        loaded = services.runtime.project
        errors = sorted(problem.describe(project) for problem in loaded.errors)
        assert set(loaded.steps) == {"Fine"}
    assert errors == [
        "steps/typo.step.ts: infrastructure.queue.concurency: is not a known option; "
        "did you mean 'concurrency'? (step 'Typo')",
        "steps/wrong_type.step.rb: infrastructure.queue.rateLimit.limit: 'ten' is not of "
        "type 'integer' (step 'WrongType')",
        "steps/wrong_type.step.rb: infrastructure.queue.type: 'lifo' is not one of "
        "'standard', 'fifo' (step 'WrongType')",
    ]


VIEWED = {
    "steps/slow_step.py": """
import asyncio
config = {"type": "event", "name": "Slow", "subscribes": ["job"], "emits": [],
          "infrastructure": {"queue": {"type": "fifo", "concurrency": 1, "maxRetries": 5,
                                       "rateLimit": {"limit": 100, "periodSeconds": 60}}}}

async def handler(data, context):
    await context.state.set("started", str(data), True)
    await asyncio.sleep(0.5)
""",
    "steps/plain.step.js": """
exports.config = { type: 'event', name: 'Plain', subscribes: ['other'], emits: [] }
exports.handler = async () => {}
""",
}


async def test_the_queue_view_shows_each_steps_kind_limits_and_counts(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(VIEWED)
    async with serving(project, **stores) as (services, client):
        for n in range(3):
            body = {"topic": "job", "data": n, "messageGroupId": "g"}
            assert (await client.post("/__steppe/api/emit", json=body)).status_code == 202
        body = {"topic": "job", "data": 9, "messageGroupId": "h", "delaySeconds": 60}
        assert (await client.post("/__steppe/api/emit", json=body)).status_code == 202
        await wait_for(lambda: services.env.state.get("started", "0"))
        response = await client.get("/__steppe/api/queues")
        assert response.status_code == 200
        plain, slow = response.json()  # by name
    assert (slow["step"], slow["languageName"], slow["subscribes"]) == ("Slow", "Python", ["job"])
    assert (slow["inFlight"], slow["waiting"], slow["delayed"]) == (1, 2, 1)
    assert slow["nextDelayedAt"] > 0
    assert slow["options"] | {"backoff": None} == {
        "type": "fifo",
        "maxRetries": 5,
        "backoff": None,
        "visibilityTimeout": None,
        "delaySeconds": 0.0,
        "concurrency": 1,
        "concurrencyKey": None,
        "rateLimit": {"limit": 100, "periodSeconds": 60.0, "key": None},
        "debounce": None,
        "messageGroupField": None,
    }
    assert slow["options"]["backoff"] == {"type": "exponential", "delayMs": 200.0}
    assert plain["step"] == "Plain" and plain["options"]["type"] == "standard"
    assert (plain["inFlight"], plain["waiting"], plain["delayed"]) == (0, 0, 0)


async def test_an_emit_with_a_negative_delay_is_refused(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(VIEWED)
    async with serving(project) as (_, client):
        body = {"topic": "job", "data": 1, "delaySeconds": -1}
        response = await client.post("/__steppe/api/emit", json=body)
    assert response.status_code == 400
    assert "delaySeconds must be a number of seconds, 0 or more" in response.json()["message"]
