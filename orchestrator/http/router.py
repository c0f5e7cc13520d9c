"""Matching a method and path to an API step: exact segments, `:param` captures.

Quart cannot remove a route once added, and API steps are served beside Quart anyway
(http/step_requests.py), so Steppe routes them itself; a reload swaps the whole table
in one assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger


@dataclass(frozen=True, slots=True)
class Route:
    """One http trigger of a step (a 1.0 step may have several)."""

    step: Step
    trigger: Trigger
    segments: tuple[str, ...]  # literal text, or ":name" for a parameter

    @property
    def method(self) -> str:
        return self.trigger.method

    @property
    def specificity(self) -> tuple[int, ...]:
        # Literal segments beat parameters position by position: /pets/new before /pets/:id.
        return tuple(0 if s.startswith(":") else 1 for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for segment, part in zip(self.segments, parts, strict=True):
            if segment.startswith(":"):
                if not part:
                    return None
                params[segment[1:]] = unquote(part)
            elif segment != unquote(part):
                return None
        return params


@dataclass(frozen=True, slots=True)
class Match:
    step: Step
    trigger: Trigger
    path_params: dict[str, str]


class NoRoute(Exception):
    """Raised when no API step answers the path (404)."""


class MethodNotAllowed(Exception):
    """Raised when steps answer the path but not with this method (405)."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


def split_path(path: str) -> tuple[str, ...]:
    stripped = path.strip("/")
    return tuple(stripped.split("/")) if stripped else ()


class Router:
    def __init__(self, steps: Iterable[Step]) -> None:
        routes = [Route(s, t, split_path(t.path)) for s in steps for t in s.http_triggers]
        self._by_length: dict[int, list[Route]] = {}
        for route in sorted(routes, key=lambda r: r.specificity, reverse=True):
            self._by_length.setdefault(len(route.segments), []).append(route)
        # Paths without parameters, by exact text and method: most requests end here.
        self._exact: dict[tuple[str, str], Route] = {}
        for route in routes:
            if not any(segment.startswith(":") for segment in route.segments):
                self._exact[("/".join(route.segments), route.method)] = route

    def match(self, method: str, path: str) -> Match:
        """The step for the request; raises NoRoute or MethodNotAllowed."""
        if "%" not in path:
            # A literal route is the most specific match there is for its path.
            literal = path.strip("/")
            exact = self._exact.get((literal, method))
            if exact is None and method == "HEAD":
                exact = self._exact.get((literal, "GET"))
            if exact is not None:
                return Match(exact.step, exact.trigger, {})
        parts = list(split_path(path))
        allowed: list[str] = []
        for route in self._by_length.get(len(parts), ()):
            params = route.match(parts)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return Match(route.step, route.trigger, params)
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(sorted(set(allowed)))
        raise NoRoute(path)

    def routes_at(self, path: str) -> list[Route]:
        """Every route whose path matches, whatever its method (CORS preflights)."""
        parts = list(split_path(path))
        return [r for r in self._by_length.get(len(parts), ()) if r.match(parts) is not None]
