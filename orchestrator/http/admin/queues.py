"""Event steps' queues (docs/reference.md §12):

GET /queues   per event step: its queue options in effect (kind, limits, retries),
              and how many deliveries are in flight, waiting and delayed
"""

from __future__ import annotations

from quart import Blueprint, Response

from orchestrator.http.env import current_env
from orchestrator.http.responses import json_response
from orchestrator.model.step import language_name

routes = Blueprint("queues", __name__)


@routes.get("/queues")
async def queues() -> Response:
    env = current_env()
    steps = env.project.steps
    answer = []
    for view in sorted(await env.bus.queues(), key=lambda v: v["step"]):
        step = steps.get(view["step"])
        if step is not None:  # None: a reload is between the bus and the env
            extra = {"languageName": language_name(step), "subscribes": list(step.subscribes)}
            answer.append(view | extra)
    return json_response(answer)
