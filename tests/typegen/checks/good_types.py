"""Must pass `mypy --strict` against the generated steppe_types.py."""

from steppe_types import (
    AuditOrderInput,
    CreateOrderBody,
    MessagesItem,
    ProcessOrderInput,
    RecordReviewInput,
)


def city(order: AuditOrderInput) -> str:
    return order["address"]["city"]


def body() -> CreateOrderBody:
    return {
        "productId": "p1",
        "quantity": 2,
        "delivery": "express",
        "address": {"line1": "1 Main St", "city": "Springfield"},
        "giftFor": None,
        "tags": ["a"],
    }


def priority(order: ProcessOrderInput) -> str | None:
    return order.get("priority")


def message(text: str) -> MessagesItem:
    return {"text": text}


def first_reply_author(review: RecordReviewInput) -> str:
    replies = review.get("replies") or []
    return replies[0]["from"] if replies else review["from"]
