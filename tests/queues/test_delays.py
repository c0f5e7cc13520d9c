"""Delayed events through the real server (docs/reference.md §12): an emit's
`delaySeconds` (or `delay`), passed on by every runner, or a step's default; never
delivered early, on the memory and SQLite stores; and with SQLite, durable: an
orchestrator killed with SIGKILL before the delay ends delivers it on time after a
restart.

Motia 0.17 names the option `delaySeconds` (`infrastructure.queue`, packages/core/src/
types.ts, and a message's `visibleAt` in packages/core/src/queue-manager.ts at
v0.17.14-beta.196).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import serving, wait_for
from tests.started_server import call, free_port, start

DELAY = 1.0
# Each language's way of asking for a delay: camelCase, the short `delay`, snake_case.
EMITTERS = {
    "steps/later.step.ts": """
export const config = { type: 'event', name: 'LaterTs', subscribes: ['kick'], emits: ['later'] }
export const handler = async (input: any, { emit }: any) => {
  await emit({ topic: 'later', data: { lang: 'ts', at: Date.now() / 1000 }, delay: 1 })
}
""",
    "steps/later.step.js": """
exports.config = { type: 'event', name: 'LaterJs', subscribes: ['kick'], emits: ['later'] }
exports.handler = async (input, { emit }) => {
  await emit({ topic: 'later', data: { lang: 'js', at: Date.now() / 1000 }, delaySeconds: 1 })
}
""",
    "steps/later_step.py": """
import time
config = {"type": "event", "name": "LaterPy", "subscribes": ["kick"], "emits": ["later"]}

async def handler(data, context):
    await context.emit(topic="later", data={"lang": "py", "at": time.time()}, delay_seconds=1)
""",
    "steps/later.step.rb": """
def config
  { type: 'event', name: 'LaterRb', subscribes: ['kick'], emits: ['later'] }
end

def handler(input, context)
  context.emit(topic: 'later', data: { lang: 'rb', at: Time.now.to_f }, delay_seconds: 1)
end
""",
    "steps/arrived_step.py": """
import time
config = {"type": "event", "name": "Arrived", "subscribes": ["later", "defaulted"],
          "emits": [], "infrastructure": {"queue": {"delaySeconds": 1}}}

async def handler(data, context):
    await context.state.set("arrived", data["lang"], {"sent": data["at"], "got": time.time()})
""",
}


async def test_a_delayed_emit_from_every_language_is_not_delivered_early(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(EMITTERS)
    async with serving(project, **stores) as (services, client):
        sent = time.time()
        for body in ({"topic": "kick", "data": {}},
                     {"topic": "defaulted", "data": {"lang": "step", "at": sent}}):  # fmt: skip
            assert (await client.post("/__steppe/api/emit", json=body)).status_code == 202
        views = (await client.get("/__steppe/api/queues")).json()
        arrived = [v for v in views if v["step"] == "Arrived"]
        assert arrived[0]["options"]["delaySeconds"] == 1

        async def all_arrived() -> bool:
            return len(await services.env.state.get_group("arrived")) == 5

        await wait_for(all_arrived, timeout=15)
        got = {
            lang: await services.env.state.get("arrived", lang)
            for lang in ("ts", "js", "py", "rb", "step")
        }
    for lang, times in got.items():
        # The step's own delaySeconds does not add to the emit's: the emit's wins.
        assert DELAY <= times["got"] - times["sent"] < DELAY + 1.5, (lang, times)


PROJECT = {
    "steps/delayed_step.py": """
import time
config = {"type": "api", "name": "Schedule", "method": "POST", "path": "/schedule",
          "emits": ["reminder"]}

async def handler(req, context):
    await context.emit({"topic": "reminder", "data": {"at": time.time()}, "delaySeconds": 4})
    return {"status": 202, "body": {"at": time.time()}}
""",
    "steps/remind_step.py": """
import time
config = {"type": "event", "name": "Remind", "subscribes": ["reminder"], "emits": []}

async def handler(data, context):
    await context.state.set("reminders", "one", {"sent": data["at"], "got": time.time()})
""",
}
TOKEN = "delay-test-token-not-a-secret"


def _call(url: str, body: bytes | None = None) -> Any:
    return call(url, TOKEN, body)


def test_a_delayed_event_survives_sigkill_and_fires_on_time_after_a_restart(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(PROJECT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start(project, port, TOKEN)
    try:
        sent = _call(f"{base}/schedule", b"{}")["at"]
        [view] = [v for v in _call(f"{base}/__steppe/api/queues") if v["step"] == "Remind"]
        assert view["delayed"] == 1 and view["nextDelayedAt"] >= sent + 4 - 0.1
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert time.time() < sent + 4, "killed too late to prove anything"

    second = start(project, port, TOKEN)
    try:
        assert _call(f"{base}/__steppe/api/state/reminders") == []  # not early
        deadline = time.monotonic() + 20
        while not (reminders := _call(f"{base}/__steppe/api/state/reminders")):
            assert time.monotonic() < deadline, "the delayed event never came"
            time.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    [reminder] = [item["value"] for item in reminders]
    # `sent` was read before the emit: the event was accepted a little later.
    assert reminder["sent"] + 4 <= reminder["got"] < reminder["sent"] + 4 + 1.0
