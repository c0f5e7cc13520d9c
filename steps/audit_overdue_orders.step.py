"""Pet store: every five minutes, flag food orders that have waited too long.

A food order still 'pending' more than ten minutes after it was created becomes
'overdue' and is announced on `order.overdue` (the OverdueNoop step shows the
manual follow-up in the flow graph).
"""

from datetime import datetime, timedelta, timezone

config = {
    "type": "cron",
    "name": "AuditOverdueOrders",
    "description": "Mark food orders pending for more than 10 minutes as overdue",
    "cron": "*/5 * * * *",
    "emits": ["order.overdue"],
    "flows": ["pet-store"],
}

OVERDUE_AFTER = timedelta(minutes=10)


def parse_iso(value):
    """A timezone-aware datetime from an ISO 8601 string ('Z' allowed), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


async def handler(context):
    logger = context.logger
    state = context.state
    now = datetime.now(timezone.utc)

    orders = await state.get_group("orders")
    overdue = 0
    for order in orders:
        if order.get("kind") != "food" or order.get("status") != "pending":
            continue
        created = parse_iso(order.get("createdAt"))
        if created is None or now - created <= OVERDUE_AFTER:
            continue

        minutes_pending = int((now - created).total_seconds() // 60)
        order = {
            **order,
            "status": "overdue",
            "overdueAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        await state.set("orders", order["id"], order)
        await context.emit(
            {
                "topic": "order.overdue",
                "data": {
                    "orderId": order["id"],
                    "petId": order["petId"],
                    "createdAt": order["createdAt"],
                    "minutesPending": minutes_pending,
                },
            }
        )
        overdue += 1

    logger.info("Overdue audit done", {"checked": len(orders), "overdue": overdue})
