"""A Python subscriber of the same topic, with a pydantic input ($defs for Address)."""

from typing import Literal

from pydantic import BaseModel


class Address(BaseModel):
    line1: str
    city: str


class AuditInput(BaseModel):
    id: str
    address: Address
    priority: Literal["low", "high"] | None = None


config = {
    "type": "event",
    "name": "AuditOrder",
    "subscribes": ["order.created"],
    "emits": [],
    "input": AuditInput,
    "flows": ["orders"],
}


async def handler(order, context):
    await context.state.set("audits", order["id"], {"city": order["address"]["city"]})
