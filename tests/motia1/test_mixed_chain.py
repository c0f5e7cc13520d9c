"""One project mixing Motia 0.17 and 1.0 files in a chain across the four languages:
a TypeScript 1.0 http trigger enqueues (`enqueue` from 'motia'), a Python 0.17 event step
emits on, a Ruby queue trigger in Ruby's 1.0 idiom (`triggers:`, `Motia.enqueue`,
`Motia.state`; Motia 1.0 has no Ruby, runners/README.md) enqueues on, and a JavaScript
0.17 event step writes the final state. Motia 1.0 runs a 0.17 emit and a 1.0 enqueue on
one queue by topic (motia-js/packages/motia/src/new/enqueue.ts; Motia 0.17
packages/core/src/step-handlers.ts subscribes by topic), and one trace holds it all."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving, wait_for

CHECKOUT_TS = """\
import { enqueue, type Handlers, logger, type StepConfig } from 'motia'
import { z } from 'zod'

export const config = {
  name: 'Checkout',
  flows: ['checkout'],
  triggers: [
    {
      type: 'http', method: 'POST', path: '/checkout',
      bodySchema: z.object({ sku: z.string(), qty: z.number() }),
    },
  ],
  enqueues: ['checkout.started'],
} as const satisfies StepConfig

export const handler: Handlers<typeof config> = async ({ request }, ctx) => {
  const checkoutId = `co-${ctx.traceId.slice(0, 8)}`
  logger.info('checkout started', { checkoutId })
  await enqueue({ topic: 'checkout.started', data: { checkoutId, ...request.body } })
  return { status: 202, body: { checkoutId } }
}
"""

PRICE_PY = """\
# A Motia 0.17 event step. MOCK prices: no real catalogue.
MOCK_PRICES = {"MOCK-MUG": 7}

config = {
    "type": "event",
    "name": "PriceCheckout",
    "subscribes": ["checkout.started"],
    "emits": ["checkout.priced"],
    "flows": ["checkout"],
}


async def handler(input, context):
    total = MOCK_PRICES[input["sku"]] * input["qty"]
    await context.emit({"topic": "checkout.priced", "data": {**input, "total": total}})
"""

RESERVE_RB = """\
# A queue trigger in Ruby's idiom of Motia 1.0 (runners/README.md, "Motia 1.0").
def config
  {
    name: 'ReserveStock',
    flows: ['checkout'],
    triggers: [
      { type: 'queue', topic: 'checkout.priced', condition: ->(data, _) { data['qty'].positive? } }
    ],
    enqueues: ['checkout.reserved']
  }
end

def handler(data, ctx)
  ops = [{ type: 'decrement', path: 'count', by: data['qty'] }]
  left = Motia.state.update('stock', data['sku'], ops)['new_value']['count']
  Motia.enqueue(topic: 'checkout.reserved',
                data: data.merge('stockLeft' => left, 'via' => ctx.trigger['type']))
end
"""

CONFIRM_JS = """\
// A Motia 0.17 event step that writes the chain's final state.
exports.config = {
  type: 'event',
  name: 'ConfirmCheckout',
  subscribes: ['checkout.reserved'],
  emits: [],
  flows: ['checkout'],
}

exports.handler = async (input, { state, traceId }) => {
  await state.set('checkouts', input.checkoutId, { ...input, status: 'confirmed', traceId })
}
"""


async def test_a_chain_through_four_languages_and_both_versions(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({
        "steps/checkout.step.ts": CHECKOUT_TS,
        "steps/price_step.py": PRICE_PY,
        "steps/reserve.step.rb": RESERVE_RB,
        "steps/confirm.step.js": CONFIRM_JS,
    })  # fmt: skip
    async with serving(root) as (services, client):
        assert services.runtime.project.problems == [], services.runtime.project.problems
        await services.env.state.set("stock", "MOCK-MUG", {"count": 10})
        started = await client.post("/checkout", json={"sku": "MOCK-MUG", "qty": 3})
        assert started.status_code == 202, started.text
        checkout_id, trace_id = started.json()["checkoutId"], started.headers["x-trace-id"]
        final = await wait_for(lambda: services.env.state.get("checkouts", checkout_id))
        assert final == {
            "checkoutId": checkout_id,
            "sku": "MOCK-MUG",
            "qty": 3,
            "total": 21,
            "stockLeft": 7,
            "via": "queue",
            "status": "confirmed",
            "traceId": trace_id,
        }
        await services.bus.wait_idle()
        trace = (await client.get(f"/__steppe/api/traces/{trace_id}")).json()
        spans = {span["step"]: span for span in trace["spans"]}
        chain = ["Checkout", "PriceCheckout", "ReserveStock", "ConfirmCheckout"]
        assert [(spans[s]["language"], spans[s]["status"]) for s in chain] == [
            ("node", "ok"), ("python", "ok"), ("ruby", "ok"), ("node", "ok"),
        ]  # fmt: skip
        # Each step is the child of the one that enqueued to it.
        for parent, child in itertools.pairwise(chain):
            assert spans[child]["parentSpanId"] == spans[parent]["spanId"], child
        assert [spans[s]["emitted"] for s in chain] == [
            ["checkout.started"], ["checkout.priced"], ["checkout.reserved"], [],
        ]  # fmt: skip
