"""One stream declared in several files (a project using it from TS, Python and Ruby
steps declares it once per language): one stream when the declarations agree, an error
naming both files and the differing field when they do not.

Motia 0.17 keys streams by name (packages/core/src/locked-data.ts at v0.17.14-beta.196,
`createStream` replaces `this.streams[name]`), so a project with the same stream in three
languages runs there; Steppe keeps that and refuses only declarations that disagree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving

TS_STREAM = """
export const config = {
  name: 'todo',
  schema: { type: 'object', title: 'Todo', properties: { text: { type: 'string' } },
            required: ['text'] },
  baseConfig: { storageType: 'default' },
}
"""
PY_STREAM = """
config = {
    "name": "todo",
    "schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "baseConfig": {"storageType": "default"},
}
"""
RB_STREAM = """
def config
  { name: 'todo',
    schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    baseConfig: { storageType: 'default' } }
end
"""
PY_WRITER = """
config = {"type": "api", "name": "AddTodo", "method": "POST", "path": "/todos/:id", "emits": []}

async def handler(req, ctx):
    item = await ctx.streams.todo.set("list", req["pathParams"]["id"], req["body"])
    return {"status": 200, "body": item}
"""
RB_READER = """
def config
  { type: 'api', name: 'GetTodo', method: 'GET', path: '/todos/:id', emits: [] }
end

def handler(req, ctx)
  { status: 200, body: ctx.streams.todo.get('list', req['pathParams']['id']) }
end
"""


async def test_identical_declarations_in_three_languages_are_one_stream(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(
        {
            "steps/todo.stream.ts": TS_STREAM,
            "steps/todo_stream.py": PY_STREAM,
            "steps/todo.stream.rb": RB_STREAM,
            "steps/add_todo_step.py": PY_WRITER,
            "steps/get_todo.step.rb": RB_READER,
        }
    )
    async with serving(root) as (services, client):
        assert services.runtime.project.errors == []
        assert list(services.runtime.project.streams) == ["todo"]
        added = await client.post("/todos/t1", json={"text": "milk"})
        assert added.status_code == 200, added.text
        read = await client.get("/todos/t1")
        assert read.json()["text"] == "milk"
        refused = await client.post("/todos/t2", json={"text": 3})
        assert refused.status_code == 500  # the item schema still holds


async def test_conflicting_storage_options_name_both_files_and_the_field(
    make_project: Callable[..., Path],
) -> None:
    ttl_stream = RB_STREAM.replace("storageType: 'default'", "storageType: 'default', ttl: 60")
    root = make_project({"steps/todo.stream.ts": TS_STREAM, "steps/todo.stream.rb": ttl_stream})
    async with serving(root) as (services, _client):
        (problem,) = services.runtime.project.errors
        assert problem.field == "baseConfig.ttl"
        files = {"todo.stream.ts", "todo.stream.rb"}
        (other,) = files - {problem.path.name}
        assert f"also defined in steps/{other}, with a different baseConfig.ttl" in (
            problem.message
        )
        assert list(services.runtime.project.streams) == ["todo"]


async def test_conflicting_schemas_are_refused(make_project: Callable[..., Path]) -> None:
    schema_clash = PY_STREAM.replace('"string"', '"number"')
    root = make_project({"steps/todo.stream.ts": TS_STREAM, "steps/todo_stream.py": schema_clash})
    async with serving(root) as (services, _client):
        (problem,) = services.runtime.project.errors
        assert problem.field == "schema"
        assert "also defined in steps/" in problem.message
