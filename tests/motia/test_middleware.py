"""API middleware as Motia 0.17 runs it, in every language, through the real server.

`config.middleware` is an ordered list of `(req, ctx, next) => response`, run inside
the runner around the handler, the first outermost: packages/core/src/node/
middleware-compose.ts and node-runner.ts, packages/core/src/python/motia_middleware.py
and python-runner.py at v0.17.14-beta.196 (Motia has no Ruby middleware; Steppe's
follows the same rules). Only API steps take it: step-validator.ts's strict event, cron
and noop schemas refuse the field. The config the orchestrator sees names the functions.

Each language's step here has the same chain: `auth` answers 401 without `next` or
sets `req.user`; `first` and `second` mark the request on the way in and the response
on the way out (the order); `rewrite` changes the response `next()` returned, or throws.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from orchestrator.cli.report import steps_table
from tests.helpers import serving

TS_STEP = """
import type { ApiMiddleware, ApiRouteConfig, Handlers } from 'motia'

const auth: ApiMiddleware = async (req: any, _ctx, next) => {
  const user = req.headers['x-user']
  if (!user) return { status: 401, body: { error: 'who are you?' } }
  req.user = user
  return next()
}

const first: ApiMiddleware = async (req: any, _ctx, next) => {
  req.trail = ['first']
  const res: any = await next()
  res.body.after.push('first')
  return res
}

export const config: ApiRouteConfig = {
  type: 'api', name: 'TsChain', method: 'POST', path: '/ts/chain', emits: [],
  middleware: [
    auth,
    first,
    async (req: any, _ctx, next) => {
      req.trail.push('second')
      const res: any = await next()
      res.body.after.push('second')
      return res
    },
    async function rewrite(req: any, _ctx, next) {
      if (req.headers['x-throw']) throw new Error('middleware refused')
      const res: any = await next()
      return { ...res, status: 201, headers: { 'x-rewritten': 'ts' } }
    },
  ],
}

export const handler: Handlers['TsChain'] = async (req: any, { state }) => {
  await state.set('mw-ts', 'handled', req.user)
  return { status: 200, body: { user: req.user, trail: req.trail, after: [] } }
}
"""

JS_STEP = """
async function auth(req, ctx, next) {
  const user = req.headers['x-user']
  if (!user) return { status: 401, body: { error: 'who are you?' } }
  req.user = user
  return next()
}
async function first(req, ctx, next) {
  req.trail = ['first']
  const res = await next()
  res.body.after.push('first')
  return res
}
async function second(req, ctx, next) {
  req.trail.push('second')
  const res = await next()
  res.body.after.push('second')
  return res
}
async function rewrite(req, ctx, next) {
  if (req.headers['x-throw']) throw new Error('middleware refused')
  const res = await next()
  return { ...res, status: 201, headers: { 'x-rewritten': 'js' } }
}
exports.config = {
  type: 'api', name: 'JsChain', method: 'POST', path: '/js/chain', emits: [],
  middleware: [auth, first, second, rewrite],
}
exports.handler = async (req, { state }) => {
  await state.set('mw-js', 'handled', req.user)
  return { status: 200, body: { user: req.user, trail: req.trail, after: [] } }
}
"""

PY_STEP = """
async def auth(req, ctx, next_fn):
    user = req["headers"].get("x-user")
    if not user:
        return {"status": 401, "body": {"error": "who are you?"}}
    req["user"] = user
    return await next_fn()


async def first(req, ctx, next_fn):
    req["trail"] = ["first"]
    res = await next_fn()
    res["body"]["after"].append("first")
    return res


def second(req, ctx, next_fn):  # a plain def: next_fn() blocks in its worker thread
    req["trail"].append("second")
    res = next_fn()
    res["body"]["after"].append("second")
    return res


async def rewrite(req, ctx, next_fn):
    if req["headers"].get("x-throw"):
        raise RuntimeError("middleware refused")
    res = await next_fn()
    return {**res, "status": 201, "headers": {"x-rewritten": "py"}}


config = {
    "type": "api",
    "name": "PyChain",
    "method": "POST",
    "path": "/py/chain",
    "emits": [],
    "middleware": [auth, first, second, rewrite],
}


async def handler(req, context):
    await context.state.set("mw-py", "handled", req["user"])
    return {"status": 200, "body": {"user": req["user"], "trail": req["trail"], "after": []}}
"""

RB_STEP = """
def config
  {
    type: 'api', name: 'RbChain', method: 'POST', path: '/rb/chain', emits: [],
    middleware: [method(:auth), method(:first), SECOND, ->(req, ctx, nxt) { rewrite(req, nxt) }]
  }
end

SECOND = lambda do |req, _ctx, nxt|
  req['trail'] << 'second'
  res = nxt.call
  res[:body][:after] << 'second'
  res
end

def auth(req, _ctx, nxt)
  user = req['headers']['x-user']
  return { status: 401, body: { error: 'who are you?' } } unless user

  req['user'] = user
  nxt.call
end

def first(req, _ctx, nxt)
  req['trail'] = ['first']
  res = nxt.call
  res[:body][:after] << 'first'
  res
end

def rewrite(req, nxt)
  raise 'middleware refused' if req['headers']['x-throw']

  nxt.call.merge(status: 201, headers: { 'x-rewritten' => 'rb' })
end

def handler(req, ctx)
  ctx.state.set('mw-rb', 'handled', req['user'])
  { status: 200, body: { user: req['user'], trail: req['trail'], after: [] } }
end
"""

CHAINS = {
    "ts": ("steps/ts_chain.step.ts", TS_STEP, ["auth", "first", "<anonymous>", "rewrite"]),
    "js": ("steps/js_chain.step.js", JS_STEP, ["auth", "first", "second", "rewrite"]),
    "py": ("steps/py_chain_step.py", PY_STEP, ["auth", "first", "second", "rewrite"]),
    "rb": ("steps/rb_chain.step.rb", RB_STEP, ["auth", "first", "<anonymous>", "<anonymous>"]),
}

# A middleware entry that is not a function, in each language: the step is refused.
BAD_STEPS = {
    "steps/bad_ts.step.ts": (
        "export const config = { type: 'api', name: 'BadTs', method: 'GET', path: '/bad/ts',"
        " middleware: [async (req, ctx, next) => next(), 'auth'] }\n"
        "export const handler = async () => ({ status: 200, body: {} })\n"
    ),
    "steps/bad_js.step.js": (
        "exports.config = { type: 'api', name: 'BadJs', method: 'GET', path: '/bad/js',"
        " middleware: [async (req, ctx, next) => next(), { auth: true }] }\n"
        "exports.handler = async () => ({ status: 200, body: {} })\n"
    ),
    "steps/bad_py_step.py": (
        "async def ok(req, ctx, next_fn):\n    return await next_fn()\n\n"
        'config = {"type": "api", "name": "BadPy", "method": "GET", "path": "/bad/py",'
        ' "middleware": [ok, "auth"]}\n\n'
        "async def handler(req, ctx):\n    return {'status': 200, 'body': {}}\n"
    ),
    "steps/bad_rb.step.rb": (
        "def config\n  { type: 'api', name: 'BadRb', method: 'GET', path: '/bad/rb',"
        " middleware: [->(req, ctx, nxt) { nxt.call }, 'auth'] }\nend\n\n"
        "def handler(_req, _ctx) = { status: 200, body: {} }\n"
    ),
}
BAD_KINDS = {"BadTs": "a string", "BadJs": "an object", "BadPy": "a str", "BadRb": "a String"}

EVENT_WITH_MIDDLEWARE = """
export const config = {
  type: 'event', name: 'EventMw', subscribes: ['x'], emits: [],
  middleware: [async (req, ctx, next) => next()],
}
export const handler = async () => {}
"""


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    files = {path: text for path, text, _ in CHAINS.values()}
    return make_project(files | BAD_STEPS | {"steps/event_mw.step.ts": EVENT_WITH_MIDDLEWARE})


@pytest.mark.parametrize("lang", list(CHAINS))
async def test_middleware_runs_around_the_handler(project: Path, lang: str) -> None:
    async with serving(project) as (services, client):
        state = services.env.state
        url = f"/{lang}/chain"

        refused = await client.post(url, json={})
        assert (refused.status_code, refused.json()) == (401, {"error": "who are you?"})
        assert await state.get(f"mw-{lang}", "handled") is None  # the handler did not run

        answered = await client.post(url, json={}, headers={"x-user": "ann"})
        assert answered.status_code == 201  # rewritten after next()
        assert answered.headers["x-rewritten"] == lang
        assert answered.json() == {
            "user": "ann",  # set on the request by `auth`
            "trail": ["first", "second"],  # in, first to last
            "after": ["second", "first"],  # out, last to first
        }
        assert await state.get(f"mw-{lang}", "handled") == "ann"

        threw = await client.post(url, json={}, headers={"x-user": "bob", "x-throw": "1"})
        assert threw.status_code == 500
        assert threw.json()["message"] == "middleware refused"
        assert await state.get(f"mw-{lang}", "handled") == "ann"  # not bob: no handler


async def test_configs_name_the_middleware_and_bad_entries_refuse_the_step(
    project: Path,
) -> None:
    async with serving(project) as (services, client):
        steps = {s["name"]: s for s in (await client.get("/__steppe/api/steps")).json()}
        for path, _, names in CHAINS.values():
            (step,) = [s for s in steps.values() if s["path"].endswith(path)]
            assert step["config"]["middleware"] == names
        (flow,) = (await client.get("/__steppe/api/flows")).json()["flows"]
        nodes = {n["id"]: n for n in flow["nodes"]}
        assert nodes["TsChain"]["middleware"] == ["auth", "first", "<anonymous>", "rewrite"]
        console = Console(width=200, record=True)
        console.print(steps_table(services.runtime.project))  # steppe build and dev show it
        assert "middleware: auth, first, second, rewrite" in console.export_text()

        problems = {p.path.name: p for p in services.runtime.project.errors}
        for path in BAD_STEPS:
            problem = problems[Path(path).name]
            name = next(n for n in BAD_KINDS if n.lower()[3:] in path)
            assert f"step '{name}': middleware[1] is not a function ({BAD_KINDS[name]})" in (
                problem.message
            )
            assert name not in steps
            assert (await client.get(f"/bad/{name[3:].lower()}")).status_code == 404

        event = problems["event_mw.step.ts"]
        assert event.field == "middleware"
        assert "step 'EventMw' is an event step; only API steps run middleware" in event.message
        assert "EventMw" not in steps
        assert set(problems) == {*(Path(p).name for p in BAD_STEPS), "event_mw.step.ts"}
