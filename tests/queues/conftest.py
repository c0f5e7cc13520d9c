"""Each queue test through the real server runs on the memory, SQLite and Redis stores."""

from __future__ import annotations

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(params=["memory", "sqlite", "redis"])
def stores(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings for `serving`: the delivery and state stores (SQLite: in the project's
    data folder; Redis: the session's server, under a prefix of the test's own)."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return {"queue": "redis", "state": "redis", "redis_url": server.url,
                "redis_prefix": server.prefix()}  # fmt: skip
    return {"queue": request.param, "state": request.param}
