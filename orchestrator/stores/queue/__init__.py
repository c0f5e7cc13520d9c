"""The event queue's store: deliveries kept from acceptance until their handler succeeds."""

from orchestrator.stores.queue.base import Delivery, DeliveryStore, Event
from orchestrator.stores.queue.memory import MemoryDeliveryStore

__all__ = ["Delivery", "DeliveryStore", "Event", "MemoryDeliveryStore"]
