"""Who may reach `/__steppe/` (docs/reference.md §14): the admin API, the workbench and
the live socket answer only requests addressed to an allowed `Host`, and take changes
(and the live socket) only from the server's own page.

A web page the developer visits can send simple requests to `localhost`, and can
rebind its own name to 127.0.0.1 (DNS rebinding). The `Host` allow-list stops the
second: the rebound request still names the attacker's host. The origin check stops
the first: a browser always says where a page's request comes from (`Origin`,
`Sec-Fetch-Site`), while CLI tools (`steppe emit`, curl) say neither and stay welcome.
API steps, streams and `/openapi.json` are the application's public surface and are
checked by neither rule.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from quart import Response
from quart.wrappers.base import BaseRequestWebsocket

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.responses import error_response
from orchestrator.model.settings import Settings

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# `none`: the user typed the URL or used a bookmark; the page's own fetches are `same-origin`.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def host_name(host: str) -> str:
    """The name in a `Host` value, lower-case, without port or trailing dot:
    `[::1]:3000` → `::1`, `Example.COM.:80` → `example.com`."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        name = host.partition(":")[0]
    else:
        name = host
    return name.removesuffix(".")


def is_loopback(name: str) -> bool:
    """`localhost`, `*.localhost` (RFC 6761: always this machine), 127.0.0.0/8 and ::1."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def matches(name: str, pattern: str) -> bool:
    """Whether `name` is allowed by one `allowed_hosts` entry: `*` is any name, a leading
    `.` is that domain and its subdomains (as Django's ALLOWED_HOSTS), else the name."""
    pattern = pattern.strip().lower().rstrip(".")
    if pattern == "*":
        return True
    if pattern.startswith("."):
        return len(pattern) > 1 and (name == pattern[1:] or name.endswith(pattern))
    return bool(pattern) and name == host_name(pattern)


def host_allowed(host: str, settings: Settings) -> bool:
    """Loopback names, the `host` setting itself (for `0.0.0.0` or `::` only that literal,
    which `steppe emit` dials, never every name), and `allowed_hosts`."""
    name = host_name(host)
    if not name:
        return "*" in settings.allowed_hosts
    return is_loopback(name) or any(
        matches(name, pattern) for pattern in (settings.host, *settings.allowed_hosts)
    )


def cross_origin_reason(host: str, origin: str | None, fetch_site: str | None) -> str | None:
    """Why a request to `host` is not from this server's own page, else None. The Origin's
    host and port must be the request's `Host`; the scheme is not compared, so a proxy
    that ends TLS and keeps `Host` still works (Jupyter's check_origin does the same)."""
    if fetch_site is not None and fetch_site.strip().lower() not in TRUSTED_FETCH_SITES:
        return f"the browser says this request is {fetch_site.strip()[:40]} (Sec-Fetch-Site)"
    if origin is None:
        return None
    parts = urlsplit(origin.strip())
    if parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower():
        return None
    return f"it comes from a page of {origin.strip()[:200]}, not of this server ({host})"


def host_refusal(host: str, settings: Settings) -> Response | None:
    """The 403 for a `Host` that is not allowed, else None."""
    if host_allowed(host, settings):
        return None
    shown = host_name(host)[:200] or "(none)"
    return error_response(
        403,
        "host not allowed",
        new_trace_id(),
        message=f"{shown} is not an allowed host for /__steppe/; "
        "add it to allowed_hosts in steppe.toml",
    )


def cross_origin_refusal(host: str, origin: str | None, fetch_site: str | None) -> Response | None:
    """The 403 for a request from another site's page, else None."""
    reason = cross_origin_reason(host, origin, fetch_site)
    if reason is None:
        return None
    return error_response(
        403,
        "cross-origin request refused",
        new_trace_id(),
        message="/__steppe/ takes changes and the live feed only from its own page or from "
        f"clients that send no Origin (steppe emit, curl); {reason}",
    )


def foreign_refusal(
    conn: BaseRequestWebsocket, settings: Settings, *, changes: bool
) -> Response | None:
    """The 403 for a request or WebSocket to a `Host` not allowed, or, when it `changes`
    something, from another site's page; else None."""
    refused = host_refusal(conn.host, settings)
    if refused is None and changes:
        headers = conn.headers
        refused = cross_origin_refusal(
            conn.host, headers.get("origin"), headers.get("sec-fetch-site")
        )
    return refused
