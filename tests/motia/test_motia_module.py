"""The `motia` module in TypeScript steps (issue 18, part 3), through the real server and
Node runner: 0.17-shaped steps whose handlers call `enqueue`, `stateManager` and `logger`
imported from 'motia' rather than the context, in a project whose node_modules holds a
`motia` package that must not be loaded (Motia 1.0's own needs its engine).

Motia 1.0 exports these as values bound to its engine connection
(motia-js/packages/motia/src/index.ts; src/new/enqueue.ts calls the engine's `enqueue`,
src/new/state.ts its `state::*`, src/new/logger.ts is iii-sdk's Logger); in Steppe they
are the current handler's `ctx.emit`, `ctx.state` and `ctx.logger`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving, wait_for

FILES = {
    "package.json": '{ "type": "module" }',
    # Would fail every step that imports it, had it been loaded.
    "node_modules/motia/package.json": '{ "name": "motia", "main": "index.js" }',
    "node_modules/motia/index.js": "throw new Error('the installed motia package was loaded')\n",
    "steps/order.step.ts": """
import { enqueue, logger, type Handlers } from 'motia'

export const config = {
  type: 'api', name: 'PlaceOrder', method: 'POST', path: '/orders/:id', emits: ['order.placed'],
}

export const handler = async (req: { pathParams: { id: string }; body: { qty: number } }) => {
  logger.info('placing order', { id: req.pathParams.id })
  await enqueue({ topic: 'order.placed', data: { id: req.pathParams.id, qty: req.body.qty } })
  return { status: 202, body: { accepted: req.pathParams.id } }
}
""",
    "steps/record.step.ts": """
import { logger, stateManager } from 'motia'

export const config = {
  type: 'event', name: 'RecordOrder', subscribes: ['order.placed'], emits: [],
}

export const handler = async (input: { id: string; qty: number }) => {
  await stateManager.set('orders', input.id, input)
  logger.info('recorded', { id: input.id })
}
""",
    "steps/read.step.ts": """
import { stateManager } from 'motia'

export const config = {
  type: 'api', name: 'ReadOrder', method: 'GET', path: '/orders/:id', emits: [],
}

export const handler = async (req: { pathParams: { id: string } }) => ({
  status: 200,
  body: {
    order: await stateManager.get('orders', req.pathParams.id),
    groups: await stateManager.listGroups(),
  },
})
""",
    # jsonSchema() makes data of a zod schema at load (draft 7, as Motia's types.ts).
    "steps/validated.step.ts": """
import { jsonSchema } from 'motia'
import { z } from 'zod'

export const config = {
  type: 'api', name: 'Validated', method: 'POST', path: '/validated', emits: [],
  bodySchema: jsonSchema(z.object({ n: z.number().int() })),
}

export const handler = async (req: { body: { n: number } }) => ({ status: 200, body: req.body })
""",
}


async def test_enqueue_state_and_logger_from_the_motia_module(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(FILES)
    async with serving(project) as (services, client):
        placed = await client.post("/orders/o1", json={"qty": 3})
        assert placed.status_code == 202, placed.text
        assert placed.json() == {"accepted": "o1"}

        async def recorded() -> object:
            response = await client.get("/orders/o1")
            return response.json()["order"] if response.status_code == 200 else None

        assert await wait_for(recorded) == {"id": "o1", "qty": 3}
        assert (await client.get("/orders/o1")).json()["groups"] == ["orders"]
        logged = [(e["step"], e["msg"], e.get("fields")) for e in services.env.logs.tail]
        assert ("PlaceOrder", "placing order", {"id": "o1"}) in logged
        assert ("RecordOrder", "recorded", {"id": "o1"}) in logged


async def test_a_body_schema_made_with_json_schema_validates_requests(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(FILES)
    async with serving(project) as (_, client):
        assert (await client.post("/validated", json={"n": 2})).json() == {"n": 2}
        refused = await client.post("/validated", json={"n": 2.5})
        assert refused.status_code == 400, refused.text
