"""Routing API steps: literal segments, :params, 404 vs 405."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.http.router import MethodNotAllowed, NoRoute, Router
from orchestrator.model.step import Step


def _api(name: str, method: str, path: str) -> Step:
    config = {"type": "api", "name": name, "method": method, "path": path}
    return Step(name, "api", Path(f"/p/{name}.step.ts"), "node", config)


ROUTER = Router(
    [
        _api("GetPet", "GET", "/pets/:id"),
        _api("NewPetForm", "GET", "/pets/new"),
        _api("CreatePet", "POST", "/pets"),
        _api("Order", "POST", "/pets/:id/orders/:orderId"),
        _api("Root", "GET", "/"),
    ]
)


def test_params_are_captured_and_unquoted() -> None:
    match = ROUTER.match("POST", "/pets/a%20b/orders/7")
    assert (match.step.name, match.path_params) == ("Order", {"id": "a b", "orderId": "7"})


def test_literal_segment_beats_parameter() -> None:
    assert ROUTER.match("GET", "/pets/new").step.name == "NewPetForm"
    assert ROUTER.match("GET", "/pets/42").step.name == "GetPet"


def test_trailing_slash_and_root() -> None:
    assert ROUTER.match("GET", "/pets/42/").step.name == "GetPet"
    assert ROUTER.match("GET", "/").step.name == "Root"


def test_head_is_served_by_get() -> None:
    assert ROUTER.match("HEAD", "/pets/1").step.name == "GetPet"


def test_unknown_path_and_wrong_method() -> None:
    with pytest.raises(NoRoute):
        ROUTER.match("GET", "/nope")
    with pytest.raises(NoRoute):
        ROUTER.match("GET", "/pets/1/extra")
    with pytest.raises(MethodNotAllowed) as caught:
        ROUTER.match("DELETE", "/pets")
    assert caught.value.allowed == ["POST"]
