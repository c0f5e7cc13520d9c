"""Must fail `mypy --strict`: each line marked `# error` has one mistake."""

from steppe_types import CreateOrderBody, FlagOrderInput, ProcessOrderInput


def coupon(body: CreateOrderBody) -> object:
    return body["coupon"]  # error


def wrong_delivery(body: CreateOrderBody) -> CreateOrderBody:
    return {**body, "delivery": "drone"}  # error


def missing_reason() -> FlagOrderInput:
    return {"id": "x"}  # error


def wrong_type(order: ProcessOrderInput) -> str:
    return order["quantity"]  # error
