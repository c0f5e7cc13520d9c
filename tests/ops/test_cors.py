"""CORS for API steps (docs/reference.md §14) through a real server and real runners.

Motia 0.17 (packages/core/src/server.ts, `app.options('*')` and the middleware after
it) answers every origin with `*`; Steppe's is off until origins are named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.core.errors import ConfigError
from orchestrator.model.settings import CorsSettings, load_settings
from tests.helpers import serving

APP = "https://app.example.com"
PREFLIGHT = {
    "origin": APP,
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, x-custom",
}
STEPS = {
    "steps/items.step.ts": """
export const config = { type: 'api', name: 'CreateItem', method: 'POST', path: '/items',
  bodySchema: { type: 'object', required: ['n'] } }
export const handler = async (req) => ({ status: 201, body: { n: req.body.n } })
""",
    "steps/list.step.py": """
config = {"type": "api", "name": "ListItems", "method": "GET", "path": "/items"}

async def handler(req, context):
    return {"status": 200, "body": [], "headers": {"vary": "Accept"}}
""",
    "steps/private.step.rb": """
def config
  { type: 'api', name: 'Private', method: 'GET', path: '/private', cors: false }
end

def handler(req, context)
  { status: 200, body: { secret: 1 } }
end
""",
    "steps/partner.step.py": """
config = {
    "type": "api", "name": "Partner", "method": "GET", "path": "/partner",
    "cors": {"origins": ["https://partner.example"], "credentials": True, "maxAge": 60},
}

async def handler(req, context):
    return {"status": 200, "body": {}}
""",
}
CORS_ON = CorsSettings(origins=(APP,))


async def test_cors_is_off_by_default(make_project: Callable[..., Path]) -> None:
    async with serving(make_project(STEPS)) as (_, client):
        preflight = await client.options("/items", headers=PREFLIGHT)
        assert preflight.status_code == 405
        actual = await client.post("/items", json={"n": 1}, headers={"origin": APP})
        assert actual.status_code == 201
        assert "access-control-allow-origin" not in actual.headers


async def test_preflight_and_actual_requests_with_the_settings_table(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    async with serving(make_project(STEPS), cors=CORS_ON) as (_, client):
        preflight = await client.options("/items", headers=PREFLIGHT)
        assert preflight.status_code == 204, preflight.text
        assert preflight.content == b""
        assert preflight.headers["access-control-allow-origin"] == APP
        assert preflight.headers["access-control-allow-methods"] == "GET, POST"
        assert preflight.headers["access-control-allow-headers"] == "content-type, x-custom"
        assert preflight.headers["access-control-max-age"] == "600"
        assert "access-control-allow-credentials" not in preflight.headers

        created = await client.post("/items", json={"n": 1}, headers={"origin": APP})
        assert created.status_code == 201
        assert created.headers["access-control-allow-origin"] == APP
        assert created.headers["access-control-expose-headers"] == "x-trace-id, traceparent"
        # An error the step answers is readable too: the page can show why.
        invalid = await client.post("/items", json={}, headers={"origin": APP})
        assert invalid.status_code == 400
        assert invalid.headers["access-control-allow-origin"] == APP
        listed = await client.get("/items", headers={"origin": APP})
        assert listed.headers["vary"] == "Accept, Origin"

        other = await client.options("/items", headers=PREFLIGHT | {"origin": "https://evil.test"})
        assert other.status_code == 204
        assert "access-control-allow-origin" not in other.headers
        stolen = await client.get("/items", headers={"origin": "https://evil.test"})
        assert "access-control-allow-origin" not in stolen.headers
        # The Ruby step turned CORS off for itself.
        private = await client.options(
            "/private", headers=PREFLIGHT | {"access-control-request-method": "GET"}
        )
        assert private.status_code == 405
        private_get = await client.get("/private", headers={"origin": APP})
        assert "access-control-allow-origin" not in private_get.headers


async def test_a_steps_cors_replaces_keys_of_the_table(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    headers = {"origin": "https://partner.example", "access-control-request-method": "GET"}
    async with serving(make_project(STEPS), cors=CORS_ON) as (_, client):
        preflight = await client.options("/partner", headers=headers)
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://partner.example"
        assert preflight.headers["access-control-allow-credentials"] == "true"
        assert preflight.headers["access-control-max-age"] == "60"
        refused = await client.options("/partner", headers=headers | {"origin": APP})
        assert "access-control-allow-origin" not in refused.headers


async def test_any_origin_with_credentials_echoes_the_origin(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    """Browsers refuse `*` together with credentials."""
    cors = CorsSettings(origins=("*",), credentials=True, methods=("GET", "post"), max_age=0)
    async with serving(make_project(STEPS), cors=cors) as (_, client):
        preflight = await client.options("/items", headers=PREFLIGHT)
        assert preflight.headers["access-control-allow-origin"] == APP
        assert preflight.headers["access-control-allow-methods"] == "GET, POST"
        assert "access-control-max-age" not in preflight.headers
    async with serving(make_project(STEPS), cors=CorsSettings(origins=("*",))) as (_, client):
        actual = await client.get("/items", headers={"origin": APP})
        assert actual.headers["access-control-allow-origin"] == "*"


def test_the_cors_table_is_checked_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "steppe.toml").write_text(
        '[cors]\norigins = ["https://a.example"]\nmax-age = 30\ncredentials = true\n'
    )
    assert load_settings(tmp_path).cors == CorsSettings(
        origins=("https://a.example",), max_age=30, credentials=True
    )
    (tmp_path / "steppe.toml").write_text("[cors]\norigin = []\n")
    with pytest.raises(ConfigError, match=r"cors\.origin: unknown setting; did you mean 'origins'"):
        load_settings(tmp_path)
    (tmp_path / "steppe.toml").write_text('[cors]\ncredentials = "yes"\n')
    with pytest.raises(ConfigError, match=r"cors\.credentials: must be bool"):
        load_settings(tmp_path)
    (tmp_path / "steppe.toml").write_text('cors = "*"\n')
    with pytest.raises(ConfigError, match=r"cors: must be a table"):
        load_settings(tmp_path)


async def test_a_step_cors_field_is_validated(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {
            "steps/bad.step.py": """
config = {"type": "api", "name": "Bad", "method": "GET", "path": "/b", "cors": {"origin": []}}
def handler(req, context): return {"status": 200}
""",
            "steps/ev.step.py": """
config = {"type": "event", "name": "Ev", "subscribes": ["t"], "cors": False}
def handler(data, context): pass
""",
        }
    )
    async with serving(project) as (services, _client):
        problems = {(p.path.name, p.field): str(p) for p in services.runtime.project.problems}
    assert "Bad" not in services.runtime.project.steps
    assert ("bad.step.py", "cors") in problems, problems
    assert "only API steps answer cross-origin requests" in problems[("ev.step.py", "cors")]
