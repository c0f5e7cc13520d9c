"""`/__steppe/health` and `/__steppe/ready` for load balancers and orchestrators
(docs/reference.md §14).

Both are open in `start` without the admin token and answer any `Host`: a load
balancer probes by IP or by a name of its own, and neither answer says more than a
status word (no step, language, pid or path), so they give a stranger nothing.
"""

from __future__ import annotations

import trio
from quart import Blueprint, Response

from orchestrator.http.env import HttpEnv, current_env
from orchestrator.http.responses import json_response

HEALTH_PATH = "/__steppe/health"
READY_PATH = "/__steppe/ready"
# A store that does not answer a read within this long is taken as unreachable.
STORE_PROBE_TIMEOUT = 2.0

health = Blueprint("steppe_health", __name__)


@health.get(HEALTH_PATH)
async def alive() -> Response:
    """200 while the process serves HTTP at all."""
    return _no_store(json_response({"status": "ok"}))


@health.get(READY_PATH)
async def ready() -> Response:
    """200 `ready`, or 503 with why not: `shutting down`, `runners unavailable`,
    `stores unreachable`."""
    status = await readiness(current_env())
    return _no_store(json_response({"status": status}, 200 if status == "ready" else 503))


async def readiness(env: HttpEnv) -> str:
    """`ready`, or the first reason the server should get no traffic."""
    if env.shutting_down or env.in_flight.closed:
        return "shutting down"
    if not all(s.ready for s in env.invoker.pool.supervisors.values()):
        return "runners unavailable"
    if not await _store_answers(env):
        return "stores unreachable"
    return "ready"


async def _store_answers(env: HttpEnv) -> bool:
    # A read reaches the store's backend (the SQLite worker thread, which the queue
    # shares) and changes nothing.
    with trio.move_on_after(STORE_PROBE_TIMEOUT):
        try:
            await env.state.get("__steppe", "ready-probe")
        except Exception:  # any failure means unreachable; the reason stays private
            return False
        return True
    return False


def _no_store(response: Response) -> Response:
    response.headers["cache-control"] = "no-store"
    return response
