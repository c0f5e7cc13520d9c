"""Talking to a running Steppe server from the CLI (`steppe emit`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from orchestrator.errors import SteppeError


class EmitFailed(SteppeError):
    """Raised when the server refuses an emit or cannot be reached."""


def post_emit(base_url: str, topic: str, data: Any, token: str | None) -> dict[str, Any]:
    """POST to the admin API's emit endpoint; the server's answer (traceId, eventId…)."""
    body = json.dumps({"topic": topic, "data": data}).encode()
    request = urllib.request.Request(
        f"{base_url}/__steppe/api/emit",
        data=body,
        method="POST",
        headers={"content-type": "application/json"},
    )
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")
        raise EmitFailed(f"the server answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise EmitFailed(f"cannot reach {base_url}: {exc}") from None
