"""Names and config fields as Motia 0.17 accepts them: any non-empty step name (Motia's
own playground names steps 'Parallel Merge' and 'Test the flow'), `input: None` for no
schema, `subscribes: []`, and `includeFiles` (watched for reload).

Motia's schemas: packages/core/src/step-validator.ts at v0.17.14-beta.196 (`name:
z.string()`, `input: z.union([jsonSchema, z.object({}), z.null()]).optional()`,
`subscribes: z.array(z.string())`, `includeFiles: z.array(z.string()).optional()`); the
names come from playground/src/parallelMergeState/*.step.ts at the same tag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from tests.helpers import reloader_for, serving, wait_for

SPACED_API = """
export const config = {
  type: 'api', name: 'Parallel Merge', method: 'POST', path: '/api/parallel-merge',
  emits: ['pms.start'], flows: ['parallel-merge'], virtualSubscribes: ['/api/parallel-merge'],
}
export const handler = async (_req, { emit, traceId }) => {
  await emit({ topic: 'pms.start', data: {} })
  return { status: 200, body: { traceId, message: 'Started parallel merge' } }
}
"""
SPACED_NOOP = """
export const config = {
  type: 'noop', name: 'Test the flow', virtualSubscribes: [],
  virtualEmits: ['/api/parallel-merge'], flows: ['parallel-merge'],
}
"""
PY_NO_SCHEMA = """
config = {
    "type": "event",
    "name": "Test Event",
    "subscribes": ["pms.start"],
    "emits": [],
    "input": None,  # Motia's playground: no schema validation
    "flows": ["parallel-merge"],
}

async def handler(input, context):
    await context.state.set("seen", context.trace_id, {"input": input})
"""
SPACED_CRON = """
config = {"type": "cron", "name": "Nightly Report", "cron": "0 0 1 1 *", "emits": []}

async def handler(context):
    await context.state.set("reports", "last", context.trace_id)
"""
NEVER_RUNS = """
exports.config = { type: 'event', name: 'Parked', subscribes: [], emits: [] }
exports.handler = async () => {}
"""
INCLUDES = """
from pathlib import Path

GREETING = (Path(__file__).parent / "greeting.txt").read_text().strip()

config = {
    "type": "api", "name": "Greet", "method": "GET", "path": "/greet",
    "includeFiles": ["greeting.txt"],
}

async def handler(req, context):
    return {"status": 200, "body": {"greeting": GREETING}}
"""


async def test_steps_named_with_spaces_are_served_and_shown(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(
        {
            "steps/start.step.ts": SPACED_API,
            "steps/button.step.ts": SPACED_NOOP,
            "steps/test_event_step.py": PY_NO_SCHEMA,
            "steps/nightly_step.py": SPACED_CRON,
        }
    )
    async with serving(root) as (services, client):
        assert services.runtime.project.errors == []
        response = await client.post("/api/parallel-merge", json={"message": "go"})
        assert response.status_code == 200
        trace_id = response.json()["traceId"]
        # `input: None` is no schema: the empty object is delivered to the Python step.
        seen = await wait_for(lambda: services.env.state.get("seen", trace_id))
        assert seen == {"input": {}}
        openapi = (await client.get("/openapi.json")).json()
        assert openapi["paths"]["/api/parallel-merge"]["post"]["operationId"] == "Parallel Merge"
        names = {s["name"] for s in (await client.get("/__steppe/api/steps")).json()}
        assert {"Parallel Merge", "Test the flow", "Test Event", "Nightly Report"} <= names
        flows = (await client.get("/__steppe/api/flows")).json()
        assert "Parallel Merge" in str(flows) and "Test the flow" in str(flows)
        run = await client.post(f"/__steppe/api/cron/{quote('Nightly Report')}/run")
        assert run.status_code == 202, run.text


async def test_empty_subscribes_is_a_warning(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/parked.step.js": NEVER_RUNS})
    async with serving(root) as (services, _client):
        project = services.runtime.project
        assert "Parked" in project.steps and project.errors == []
        (warning,) = project.warnings
        assert warning.field == "subscribes" and "can never run" in warning.message


async def test_include_files_are_watched_for_reload(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/greet_step.py": INCLUDES, "steps/greeting.txt": "hello\n"})
    async with serving(root) as (services, client):
        assert (await client.get("/greet")).json() == {"greeting": "hello"}
        reloader = reloader_for(services)
        (root / "steps" / "greeting.txt").write_text("bonjour\n")
        await reloader.apply_changes({root / "steps" / "greeting.txt"})
        assert (await client.get("/greet")).json() == {"greeting": "bonjour"}
