"""The default SQLite state through a real server (it survives a restart, several runners
write to it at once), pydantic body schemas, and the JSON-lines log file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import trio

from tests.helpers import serving

WRITERS = {
    "steps/write.step.py": """
config = {"type": "api", "name": "WritePy", "method": "POST", "path": "/py/:key"}

async def handler(req, context):
    await context.state.set("shared:group/1", "py-" + req["pathParams"]["key"], req["body"])
    return {"status": 200, "body": await context.state.get_group("shared:group/1")}
""",
    "steps/write.step.ts": """
export const config = { type: 'api', name: 'WriteTs', method: 'POST', path: '/ts/:key' }
export const handler = async (req: any, { state }: any) => {
  await state.set('shared:group/1', 'ts-' + req.pathParams.key, req.body)
  return { status: 200, body: await state.getGroup('shared:group/1') }
}
""",
    "steps/write.step.rb": """
def config
  { type: 'api', name: 'WriteRb', method: 'POST', path: '/rb/:key' }
end

def handler(req, context)
  context.state.set('shared:group/1', "rb-#{req['pathParams']['key']}", req['body'])
  { status: 200, body: context.state.get_group('shared:group/1') }
end
""",
}

PYDANTIC_STEP = """
from pydantic import BaseModel

class NewItem(BaseModel):
    name: str
    qty: float

config = {"type": "api", "name": "PydanticItem", "method": "POST", "path": "/items",
          "bodySchema": NewItem}

async def handler(req, context):
    return {"status": 201, "body": req["body"]}
"""

SHORTHAND_STEP = """
def config
  { type: 'api', name: 'ShorthandItem', method: 'POST', path: '/items-rb',
    bodySchema: { name: 'string', qty: 'number' } }
end

def handler(req, context)
  { status: 201, body: req['body'] }
end
"""


async def test_sqlite_state_is_shared_by_runners_and_survives_a_restart(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(WRITERS)
    async with serving(project, state="sqlite") as (_, client):
        statuses: list[int] = []

        async def write(lang: str, n: int) -> None:
            statuses.append((await client.post(f"/{lang}/{n}", json={"n": n})).status_code)

        async with trio.open_nursery() as nursery:
            for n in range(10):
                for lang in ("py", "ts", "rb"):
                    nursery.start_soon(write, lang, n)
        assert statuses == [200] * 30
    assert (project / ".steppe" / "state.db").is_file()
    async with serving(project, state="sqlite") as (services, client):
        items = await services.env.state.items("shared:group/1")
        assert len(items) == 30
        assert dict(items)["rb-7"] == {"n": 7}
        assert await services.env.state.get("shared:group", "rb-7") is None  # no prefix match


async def test_pydantic_and_shorthand_schemas_give_the_same_400(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(
        {"steps/item.step.py": PYDANTIC_STEP, "steps/item.step.rb": SHORTHAND_STEP}
    )
    async with serving(project) as (_, client):
        ok = await client.post("/items", json={"name": "a", "qty": 1.5})
        assert ok.status_code == 201
        pydantic = await client.post("/items", json={"qty": "two"})
        shorthand = await client.post("/items-rb", json={"qty": "two"})
    assert pydantic.status_code == shorthand.status_code == 400
    assert (
        pydantic.json()["errors"]
        == shorthand.json()["errors"]
        == [
            {"path": "name", "message": "'name' is a required property"},
            {"path": "qty", "message": "'two' is not of type 'number'"},
        ]
    )


async def test_log_file_has_a_json_line_per_entry_with_trace_and_step(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/write.step.py": WRITERS["steps/write.step.py"]})
    async with serving(project) as (_, client):
        response = await client.post("/py/1", json={"n": 1})
    trace_id = response.headers["x-trace-id"]
    lines = (project / ".steppe" / "logs" / "steppe.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    ours = [e for e in entries if e["traceId"] == trace_id]
    assert ours and all(e["step"] == "WritePy" for e in ours)
    assert any(e["msg"].startswith("POST /py/1 → 200") for e in ours)
    assert all({"time", "level", "msg", "step", "traceId"} <= set(e) for e in entries)
