"""Cron steps:

GET  /cron              cron steps with their next run and last run
POST /cron/{name}/run   run a cron step now (202 with its traceId); `?trigger=i` picks
                        a 1.0 step's cron trigger (default: its first)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from quart import Blueprint, Response, current_app, request
from quart_trio import QuartTrio

from orchestrator.core.tracing import Tracer, new_trace_id
from orchestrator.http.env import current_env
from orchestrator.http.responses import error_response, json_response
from orchestrator.model.schedule import CronExpressionError, schedule
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger
from orchestrator.services.cron import run_cron
from orchestrator.workbench.graph import step_summary

routes = Blueprint("cron", __name__)


@routes.get("/cron")
async def cron_steps() -> Response:
    env = current_env()
    now = datetime.now(UTC)
    last = _last_runs(env.tracer)
    answer = []
    for step in sorted(env.project.steps.values(), key=lambda s: s.name):
        if not step.cron_triggers:
            continue
        answer.append(
            {
                **step_summary(step, env.project.root),
                **_next_run(step, now),
                "lastRun": last.get(step.name),
            }
        )
    return json_response(answer)


@routes.post("/cron/<path:name>/run")
async def run_now(name: str) -> Response:
    env = current_env()
    await request.get_data(cache=False)
    step = env.project.steps.get(name)
    trigger = _chosen_trigger(step, request.args.get("trigger"))
    if step is None or trigger is None:
        return error_response(404, f"no cron step named {name!r}", new_trace_id())
    trace_id = env.tracer.start_trace("cron", f"{trigger.expression} (run now)")
    # The app's nursery, not the request's: the run outlives this answer.
    cast(QuartTrio, current_app).nursery.start_soon(
        run_cron, env.invoker, env.logs, step, trigger, trace_id
    )
    env.logs.write(
        "info", "cron run started from the workbench", step=step.name, trace_id=trace_id,
        source="workbench",
    )  # fmt: skip
    return json_response({"traceId": trace_id, "step": step.name}, 202, trace_id)


def _chosen_trigger(step: Step | None, index: str | None) -> Trigger | None:
    """The cron trigger `?trigger=` names (its index in `triggers`), or the first."""
    crons = step.cron_triggers if step is not None else ()
    if index is None:
        return crons[0] if crons else None
    return next((t for t in crons if str(t.index) == index), None)


def _next_run(step: Step, now: datetime) -> dict[str, Any]:
    try:
        due: datetime = schedule(step.cron, now).get_next(datetime)
    except CronExpressionError as exc:
        return {"nextRun": None, "nextRunAt": None, "error": str(exc)}
    return {"nextRun": due.isoformat(), "nextRunAt": due.timestamp()}


def _last_runs(tracer: Tracer) -> dict[str, dict[str, Any]]:
    """The most recent cron-triggered trace of each step still in the tracer's memory."""
    found: dict[str, dict[str, Any]] = {}
    for trace in tracer.recent(1000):  # newest first
        if trace.trigger != "cron" or not trace.spans:
            continue
        name = trace.spans[0].step
        if name not in found:
            found[name] = {
                "traceId": trace.trace_id,
                "start": trace.started,
                "status": trace.status,
                "durationMs": trace.duration_ms,
            }
    return found
