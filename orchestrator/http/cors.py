"""CORS for API steps (docs/reference.md §14): which other origins' pages may call them.

Off by default: a browser then refuses to show a page of another origin the answer,
as same-origin policy means it to. The `[cors]` settings table turns it on for every
API step; an API step's config `cors` replaces keys of it, or (`false`) turns it off
for that step. Preflights (`OPTIONS` with `Access-Control-Request-Method`) are
answered here; a step that declares `OPTIONS` itself still gets its own requests.
Motia 0.17 (packages/core/src/server.ts) answers every origin with `*`; Steppe asks
for the origins to be named, since a production API usually has one front end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from orchestrator.model.settings import CorsSettings
from orchestrator.model.step import Step

# What a page may read of an answer besides the CORS-safelisted headers.
EXPOSED_HEADERS = "x-trace-id, traceparent"


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """One step's effective CORS rules; `settings.origins` is never empty."""

    settings: CorsSettings

    def allowed_origin(self, origin: str) -> str | None:
        """The `Access-Control-Allow-Origin` value for `origin`, else None."""
        origins = self.settings.origins
        if origin in origins:
            return origin
        if "*" in origins:
            # With credentials a browser refuses "*": the origin itself is echoed.
            return origin if self.settings.credentials else "*"
        return None

    def response_headers(self, origin: str) -> dict[str, str]:
        """Headers for an actual request's answer (empty when `origin` is not allowed)."""
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return {}
        headers = {"access-control-allow-origin": allowed, "vary": "Origin"}
        headers["access-control-expose-headers"] = EXPOSED_HEADERS
        if self.settings.credentials:
            headers["access-control-allow-credentials"] = "true"
        return headers

    def preflight_headers(
        self, origin: str, path_methods: list[str], requested_headers: str | None
    ) -> dict[str, str]:
        """Headers for a preflight's 204: without the allow headers when `origin` is
        not allowed, which the browser reads as a refusal."""
        headers = self.response_headers(origin)
        if not headers:
            return {"vary": "Origin"}
        del headers["access-control-expose-headers"]
        methods = self.settings.methods or path_methods
        headers["access-control-allow-methods"] = ", ".join(m.upper() for m in methods)
        allowed_headers = ", ".join(self.settings.headers) or requested_headers
        if allowed_headers:
            headers["access-control-allow-headers"] = allowed_headers
        if self.settings.max_age:
            headers["access-control-max-age"] = str(self.settings.max_age)
        headers["vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        return headers


class CorsPolicies:
    """Each step's policy, worked out once per loaded project (`HttpEnv.use_project`
    makes a new one)."""

    def __init__(self, settings: CorsSettings) -> None:
        self._settings = settings
        self._by_step: dict[str, CorsPolicy | None] = {}

    def for_step(self, step: Step) -> CorsPolicy | None:
        """The step's policy, or None when CORS is off for it."""
        try:
            return self._by_step[step.name]
        except KeyError:
            policy = self._by_step[step.name] = _policy(self._settings, step.config.get("cors"))
            return policy


def _policy(project: CorsSettings, step_cors: Any) -> CorsPolicy | None:
    if step_cors is False:
        return None
    settings = project
    if isinstance(step_cors, dict):
        # The step config spells it the JSON way (`maxAge`), the settings the TOML way.
        changes: dict[str, Any] = {
            ("max_age" if key == "maxAge" else key): tuple(v) if isinstance(v, list) else v
            for key, v in step_cors.items()
        }
        settings = replace(project, **changes)
    return CorsPolicy(settings) if settings.origins else None


def preflight_headers(
    policies: CorsPolicies, routes: list[tuple[Step, str]], headers: dict[str, str]
) -> dict[str, str] | None:
    """The headers of the 204 answering a CORS preflight (`headers` are the request's)
    to the `routes` (step, method) at its path, when CORS is on for the one it asks
    about; else None, and the request is routed as any other (a step declaring OPTIONS,
    or 405)."""
    origin = headers.get("origin")
    wanted = headers.get("access-control-request-method", "").strip().upper()
    if origin is None or not wanted:
        return None
    methods = sorted({method for _step, method in routes})
    if "OPTIONS" in methods:
        return None
    step = next((s for s, method in routes if method == wanted), None)
    policy = policies.for_step(step) if step is not None else None
    if policy is None:
        return None
    return policy.preflight_headers(origin, methods, headers.get("access-control-request-headers"))


def add_cors_headers(
    policies: CorsPolicies, step: Step, origin: str, response_headers: dict[str, str]
) -> None:
    """Let a page of `origin` read the step's answer when its policy allows it."""
    policy = policies.for_step(step)
    if policy is None:
        return
    headers = policy.response_headers(origin)
    vary = response_headers.get("vary")
    if vary and headers:
        headers["vary"] = f"{vary}, Origin"
    response_headers.update(headers)
