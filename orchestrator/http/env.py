"""What the HTTP layer needs from the services below it, in one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, cast

from quart import current_app

from orchestrator.core.deployment import SharedRecords
from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import Tracer
from orchestrator.http.cors import CorsPolicies
from orchestrator.http.in_flight import InFlight
from orchestrator.http.router import Router
from orchestrator.model.settings import Settings
from orchestrator.model.validation import DataValidator
from orchestrator.services.bus import EventBus
from orchestrator.services.change_triggers import ChangeTriggers
from orchestrator.services.context import EmitChecker
from orchestrator.services.invoker import StepInvoker
from orchestrator.services.project import Project
from orchestrator.services.streams.service import StreamsService
from orchestrator.stores.state.base import StateStore
from orchestrator.workbench.live import LiveHub

Mode = Literal["dev", "start"]


@dataclass
class HttpEnv:
    """Services and settings the routes use. One object for the server's life: a reload
    replaces `router` and `project` whole (`use_project`), so a request sees one
    consistent table."""

    project: Project
    router: Router
    invoker: StepInvoker
    bus: EventBus
    checker: EmitChecker
    state: StateStore
    tracer: Tracer
    logs: LogSink
    settings: Settings
    live: LiveHub
    mode: Mode = "dev"
    admin_token: str | None = None
    access_log: bool = True
    streams: StreamsService | None = None
    # Every instance's traces and logs, when instances share the queue (Redis).
    shared: SharedRecords | None = None
    # The state and stream triggers that writes report to (none: nothing watches).
    changes: ChangeTriggers | None = None
    in_flight: InFlight = field(default_factory=InFlight)
    # Set when shutdown begins, before the grace period: /__steppe/ready answers 503.
    shutting_down: bool = False
    _body_validators: dict[str, DataValidator] = field(default_factory=dict)
    cors: CorsPolicies = field(init=False)
    # Whether any step may stream its answer (Motia 1.0's response.stream): only then
    # does a request get a nursery of its own for it (docs/reference.md §4).
    may_stream: bool = field(init=False)

    def __post_init__(self) -> None:
        self.cors = CorsPolicies(self.settings.cors)
        self.may_stream = _may_stream(self.project)

    def use_project(self, project: Project) -> None:
        """Serve a reloaded project; compiled body schemas and CORS policies are dropped
        with the old one."""
        self.project = project
        self.router = Router(project.steps.values())
        self._body_validators = {}
        self.cors = CorsPolicies(self.settings.cors)
        self.may_stream = _may_stream(project)

    def body_validator(self, step_name: str, schema: object) -> DataValidator:
        validator = self._body_validators.get(step_name)
        if validator is None:
            validator = self._body_validators[step_name] = DataValidator(schema)
        return validator


def _may_stream(project: Project) -> bool:
    return any(step.is_v1 for step in project.steps.values())


class _Serving(Protocol):
    env: HttpEnv


def current_env() -> HttpEnv:
    """The HttpEnv of the app serving the current request or WebSocket (`SteppeApp.env`)."""
    return cast(_Serving, current_app).env
