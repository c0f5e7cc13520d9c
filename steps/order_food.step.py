"""Pet store: order food for a pet.

The order is stored in the `orders` state group with status 'pending' and
announced on `food.ordered`; FulfillOrder (Ruby) picks it up from there.
"""

import uuid
from datetime import datetime, timezone

config = {
    "type": "api",
    "name": "OrderFood",
    "description": "Order food for a pet",
    "method": "POST",
    "path": "/pets/:id/food-orders",
    "bodySchema": {
        "type": "object",
        "properties": {
            "food": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1},
        },
        "required": ["food", "quantity"],
    },
    "emits": ["food.ordered"],
    "flows": ["pet-store"],
}


def iso_now():
    """UTC now as ISO 8601 with milliseconds and a Z, like JavaScript's toISOString()."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def handler(req, context):
    logger = context["logger"]
    state = context["state"]
    emit = context["emit"]

    pet_id = req["pathParams"]["id"]
    pet = await state.get("pets", pet_id)
    if pet is None:
        logger.warn("Food ordered for an unknown pet", {"petId": pet_id})
        return {"status": 404, "body": {"error": "Pet not found", "id": pet_id}}

    body = req["body"]
    order = {
        "id": str(uuid.uuid4()),
        "kind": "food",
        "petId": pet_id,
        "petName": pet["name"],
        "food": body["food"],
        "quantity": body["quantity"],
        "status": "pending",
        "createdAt": iso_now(),
    }
    await state.set("orders", order["id"], order)
    await emit(
        {
            "topic": "food.ordered",
            "data": {
                "orderId": order["id"],
                "petId": pet_id,
                "petName": pet["name"],
                "food": order["food"],
                "quantity": order["quantity"],
            },
        }
    )
    logger.info("Food order placed", {"orderId": order["id"], "petId": pet_id})
    return {"status": 201, "body": order}
