"""Admin bodies are JSON, said so: a body of any other type is a 415.

A web page can send `text/plain`, form or multipart bodies to any address without
asking the server first (a "simple" request); `application/json` it can only send
after a CORS preflight, which the admin API never grants. Refusing every other type
closes that door even for a browser that sends no `Origin`.
"""

from __future__ import annotations

from quart import Request, Response

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.responses import JSON_TYPE, error_response

WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def is_json_type(content_type: str) -> bool:
    """`application/json` or `application/<anything>+json`, parameters ignored."""
    media = content_type.partition(";")[0].strip().lower()
    return media == JSON_TYPE or (media.startswith("application/") and media.endswith("+json"))


def has_body(request: Request) -> bool:
    return bool(request.content_length) or "transfer-encoding" in request.headers


def body_type_refusal(request: Request) -> Response | None:
    """The 415 for a POST, PUT or PATCH whose body is not JSON, else None."""
    if request.method not in WITH_BODY or not has_body(request):
        return None
    content_type = request.headers.get("content-type", "")
    if is_json_type(content_type):
        return None
    return error_response(
        415,
        "unsupported media type",
        new_trace_id(),
        message=f"the body must be {JSON_TYPE}, got {content_type[:100] or 'no content-type'}",
    )
