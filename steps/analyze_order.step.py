"""E-commerce: keep running sales analytics as payments come in.

The summary lives in state group 'analytics', key 'summary':
{totalOrders, totalAmount, topProducts: {productId: number of orders}}.
Amounts are added as given, whatever their currency (an example, not accounting).
Each update is announced on `analytics.updated` for the Ruby report step.
"""

import asyncio

config = {
    "type": "event",
    "name": "AnalyzeOrder",
    "description": "Update running order analytics after a payment",
    "subscribes": ["payment.processed"],
    "emits": ["analytics.updated"],
    "input": {
        "type": "object",
        "properties": {
            "orderId": {"type": "string"},
            "amount": {"type": "number"},
            "productId": {"type": "string"},
        },
        "required": ["orderId", "amount", "productId"],
    },
    "flows": ["ecommerce"],
}


# The summary is read, changed and written back; without this lock two payments
# handled at once by this runner could both read the old summary and one update
# would be lost. (Several runner processes could still interleave.)
_summary_lock = asyncio.Lock()


async def handler(payment, context):
    logger = context["logger"]
    state = context["state"]
    emit = context["emit"]

    async with _summary_lock:
        await _count(payment, logger, state, emit)


async def _count(payment, logger, state, emit):
    order_id = payment["orderId"]
    # Delivery is at least once: count each order only the first time it arrives.
    if await state.get("analytics-counted", order_id) is not None:
        logger.info("Order already counted in analytics", {"orderId": order_id})
        return

    summary = await state.get("analytics", "summary") or {
        "totalOrders": 0,
        "totalAmount": 0,
        "topProducts": {},
    }
    top_products = dict(summary.get("topProducts") or {})
    top_products[payment["productId"]] = top_products.get(payment["productId"], 0) + 1
    summary = {
        "totalOrders": summary["totalOrders"] + 1,
        "totalAmount": round(summary["totalAmount"] + payment["amount"], 2),
        "topProducts": top_products,
    }

    await state.set("analytics", "summary", summary)
    await state.set("analytics-counted", order_id, True)
    await emit({"topic": "analytics.updated", "data": summary})
    logger.info(
        "Analytics updated",
        {"totalOrders": summary["totalOrders"], "totalAmount": summary["totalAmount"]},
    )
