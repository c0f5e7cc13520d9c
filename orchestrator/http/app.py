"""The Quart-Trio application: fixed routes in Quart, API steps served beside it."""

from __future__ import annotations

import logging

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.admin.blueprint import admin
from orchestrator.http.env import HttpEnv
from orchestrator.http.health import health
from orchestrator.http.metrics import metrics
from orchestrator.http.openapi import openapi_document
from orchestrator.http.responses import error_response, json_response
from orchestrator.http.step_requests import FixedRoutes, serve_step_request
from orchestrator.http.streams_rest import streams
from orchestrator.http.websocket import is_stream_socket, serve_stream_socket
from orchestrator.http.workbench_site import workbench_site
from orchestrator.http.ws_server import install as install_ws_server
from orchestrator.stores.redis_worker import RedisUnavailable
from orchestrator.stores.sqlite_worker import StorageError

log = logging.getLogger("steppe.http")


class SteppeApp(QuartTrio):
    """Quart-Trio for the fixed routes, the admin WebSocket and the lifespan; every other
    HTTP request is an API step's (or a 404/405) and goes to `serve_step_request` without
    Quart's request machinery (see step_requests.py for why), and stream WebSockets go
    to `serve_stream_socket` (websocket.py). Routes reach `env` through `current_env()`."""

    def __init__(self, env: HttpEnv) -> None:
        # No static folder: a `static/` beside the project must not shadow API steps.
        super().__init__("steppe", static_folder=None)
        # Paths are matched as sent: werkzeug would otherwise answer `//x` with a
        # redirect to `/x` for a fixed route, where the API router answers 404.
        self.url_map.merge_slashes = False
        self.env = env
        self._fixed_routes: FixedRoutes | None = None

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "http":
            if self._fixed_routes is None:
                # Built at the first request: every route is registered by then.
                self._fixed_routes = FixedRoutes(self.url_map)
            if not self._fixed_routes.answer(scope["method"], scope["path"]):
                timeout = float(self.config["BODY_TIMEOUT"])
                await serve_step_request(self.env, scope, receive, send, timeout)
                return
        elif scope["type"] == "websocket" and is_stream_socket(scope["path"]):
            await serve_stream_socket(self.env, scope, receive, send)
            return
        await super().asgi_app(scope, receive, send)


def create_app(env: HttpEnv) -> SteppeApp:
    """The app serving `env` (a reload updates it in place: `HttpEnv.use_project`)."""
    app = SteppeApp(env)
    app.config["MAX_CONTENT_LENGTH"] = env.settings.body_limit
    # Every route is ours to answer, OPTIONS included.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.register_blueprint(admin)
    app.register_blueprint(health)
    app.register_blueprint(metrics)
    app.register_blueprint(workbench_site())
    app.register_blueprint(streams)
    install_ws_server()

    @app.get("/openapi.json")
    async def openapi() -> Response:
        return json_response(openapi_document(env.project.steps.values()))

    @app.errorhandler(RequestEntityTooLarge)
    async def too_large(exc: RequestEntityTooLarge) -> Response:
        limit = env.settings.body_limit
        return error_response(
            413, "request body too large", new_trace_id(), message=f"the limit is {limit} bytes"
        )

    @app.errorhandler(HTTPException)
    async def http_error(exc: HTTPException) -> Response:
        return error_response(exc.code or 500, exc.name, new_trace_id(), message=exc.description)

    @app.errorhandler(StorageError)
    async def storage_failed(exc: StorageError) -> Response:
        # An admin route's store call (a workbench state write on a full disk, Redis
        # lost): the server's trouble and worth a retry, as for API steps (http/api.py).
        # Redis lost is logged once by its worker, not once per request.
        if not isinstance(exc, RedisUnavailable):
            log.warning("%s %s: %s", request.method, request.path, exc)
        return error_response(503, "storage unavailable", new_trace_id(), message=str(exc))

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
