"""The Quart-Trio application: fixed routes first, then one catch-all for API steps."""

from __future__ import annotations

import logging
from collections.abc import Callable

from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from orchestrator.http.admin import admin_blueprint
from orchestrator.http.api import drain_body, serve_api_request
from orchestrator.http.env import HttpEnv
from orchestrator.http.openapi import openapi_document
from orchestrator.http.responses import error_response, json_response
from orchestrator.http.streams_rest import streams_blueprint
from orchestrator.http.websocket import register_stream_sockets
from orchestrator.http.workbench_api import workbench_api_blueprint
from orchestrator.tracing import new_trace_id
from orchestrator.workbench.site import workbench_site

log = logging.getLogger("steppe.http")

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(env_of: Callable[[], HttpEnv]) -> QuartTrio:
    """`env_of()` returns the current environment, so a reload can swap it whole."""
    app = QuartTrio("steppe")
    env = env_of()
    app.config["MAX_CONTENT_LENGTH"] = env.settings.body_limit
    # Every route is ours to answer, OPTIONS included.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.register_blueprint(admin_blueprint(env_of))
    app.register_blueprint(workbench_api_blueprint(env_of))
    app.register_blueprint(workbench_site(env_of))
    app.register_blueprint(streams_blueprint(env_of))
    register_stream_sockets(app, env_of)

    @app.get("/openapi.json")
    async def openapi() -> Response:
        return json_response(openapi_document(env_of().project.steps.values()))

    @app.route("/", defaults={"path": ""}, methods=ALL_METHODS)
    @app.route("/<path:path>", methods=ALL_METHODS)
    async def api(path: str) -> Response:
        return await serve_api_request(env_of(), request)

    @app.errorhandler(RequestEntityTooLarge)
    async def too_large(exc: RequestEntityTooLarge) -> Response:
        limit = env_of().settings.body_limit
        return error_response(
            413, "request body too large", new_trace_id(), message=f"the limit is {limit} bytes"
        )

    @app.errorhandler(HTTPException)
    async def http_error(exc: HTTPException) -> Response:
        headers = None
        await drain_body(request)
        if isinstance(exc, MethodNotAllowed):
            # A method Quart does not route at all (QUERY, CONNECT…): still say what is.
            allowed = env_of().router.allowed(request.path) or list(exc.valid_methods or ())
            headers = {"allow": ", ".join(allowed)}
        return error_response(
            exc.code or 500, exc.name, new_trace_id(), message=exc.description, headers=headers
        )

    @app.errorhandler(Exception)
    async def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return error_response(500, "internal error", new_trace_id())

    @app.after_request
    async def trace_header(response: Response) -> Response:
        if "x-trace-id" not in response.headers:
            response.headers["x-trace-id"] = new_trace_id()
        return response

    return app
