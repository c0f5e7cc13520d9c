"""The project as the admin API shows it:

GET /steps              every step, as discovered
GET /problems           what is wrong with the project's files
GET /flows              every flow as nodes and edges
GET /topics             every topic: emitters, subscribers, their input schemas
GET /workbench/info     project name, mode, what is available
GET /workbench/layout   node positions from steppe-workbench.json
PUT /workbench/layout   check and save them (atomically)
"""

from __future__ import annotations

from typing import Any

import trio
from quart import Blueprint, Response, request

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.admin.request_body import read_json_body
from orchestrator.http.env import current_env
from orchestrator.http.responses import error_response, json_response, validation_error
from orchestrator.model.step import Step
from orchestrator.workbench.graph import flow_graph, topics
from orchestrator.workbench.layout import LAYOUT_FILE, LayoutError, read_layout, write_layout

LAYOUT_BODY_LIMIT = 512 * 1024

routes = Blueprint("steps", __name__)


def step_json(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "type": step.type,
        "language": step.language,
        "path": str(step.path),
        "trigger": step.trigger,
        "flows": list(step.flows),
        "emits": [e.topic for e in step.emits],
        "subscribes": list(step.subscribes),
        "config": step.config,
    }


@routes.get("/steps")
async def step_list() -> Response:
    return json_response([step_json(s) for s in current_env().project.steps.values()])


@routes.get("/problems")
async def problems() -> Response:
    project = current_env().project
    return json_response(
        [
            {
                "path": str(p.path),
                "line": p.line,
                "field": p.field,
                "message": p.message,
                "severity": p.severity,
                "text": p.describe(project.root),
            }
            for p in project.problems
        ]
    )


@routes.get("/flows")
async def flows() -> Response:
    env = current_env()
    return json_response(flow_graph(env.project, env.checker.undeclared))


@routes.get("/topics")
async def topic_list() -> Response:
    return json_response(topics(current_env().project))


@routes.get("/workbench/info")
async def info() -> Response:
    env = current_env()
    project = env.project
    return json_response(
        {
            "project": project.root.name,
            "root": str(project.root),
            "mode": env.mode,
            "layoutFile": LAYOUT_FILE,
            "streams": env.streams is not None,
            "counts": {
                "steps": len(project.steps),
                "streams": len(project.streams),
                "problems": len(project.problems),
            },
        }
    )


@routes.get("/workbench/layout")
async def get_layout() -> Response:
    root = current_env().project.root
    return json_response(await trio.to_thread.run_sync(read_layout, root))


@routes.put("/workbench/layout")
async def put_layout() -> Response:
    root = current_env().project.root
    trace_id = new_trace_id()
    if (request.content_length or 0) > LAYOUT_BODY_LIMIT:
        return error_response(413, "layout too large", trace_id)
    body = await read_json_body(trace_id)
    if isinstance(body, Response):
        return body
    try:
        saved = await trio.to_thread.run_sync(write_layout, root, body)
    except LayoutError as exc:
        return validation_error("layout", str(exc), trace_id)
    except OSError as exc:
        return error_response(500, "the layout could not be saved", trace_id, message=str(exc))
    return json_response(saved)
