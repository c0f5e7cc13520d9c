"""Each queue test through the real server runs on the memory and the SQLite stores."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "sqlite"])
def stores(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings for `serving`: the delivery and state stores (SQLite: in the project's
    data folder)."""
    return {"queue": request.param, "state": request.param}
