"""Talking to a running Steppe server from the CLI (`steppe emit`, `steppe dlq`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from orchestrator.core.errors import SteppeError


class AdminCallFailed(SteppeError):
    """Raised when the server refuses an admin API call or cannot be reached."""


def admin_call(base_url: str, path: str, token: str | None, body: Any = None) -> Any:
    """GET (no body) or POST (JSON body) an admin API path; the decoded answer."""
    request = urllib.request.Request(
        f"{base_url}/__steppe/api{path}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"content-type": "application/json"},
    )
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")
        raise AdminCallFailed(f"the server answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise AdminCallFailed(f"cannot reach {base_url}: {exc}") from None


def post_emit(base_url: str, topic: str, data: Any, token: str | None) -> dict[str, Any]:
    """Emit through the admin API; the server's answer (traceId, eventId, subscribers)."""
    answer: dict[str, Any] = admin_call(base_url, "/emit", token, {"topic": topic, "data": data})
    return answer
