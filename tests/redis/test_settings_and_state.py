"""Settings of the Redis backends (docs/reference.md §11, docs/reference.md §9) and state on Redis
through a real server and real runners. Motia keeps state in Redis the same way (one
hash per group: packages/core/src/state/adapters/redis-state-adapter.ts upstream;
v0.17's packages/core/src/state/adapters/ holds the file and memory adapters)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from orchestrator.core.errors import ConfigError
from orchestrator.model.settings import load_settings, store_kinds, streams_store
from tests.helpers import serving
from tests.redis_server import RedisServer
from tests.started_server import free_port

WRITER = {
    "steps/write.step.py": """
config = {"type": "api", "name": "WritePy", "method": "POST", "path": "/py/:key"}

async def handler(req, context):
    await context.state.set("orders", req["pathParams"]["key"], req["body"])
    return {"status": 200, "body": await context.state.get_group("orders")}
""",
}


def test_backend_redis_sets_the_stores_the_file_leaves_unset(tmp_path: Path) -> None:
    (tmp_path / "steppe.toml").write_text('backend = "redis"\nqueue = "sqlite"\n')
    settings = load_settings(tmp_path)
    assert (settings.state, settings.queue, streams_store(settings)) == (
        "redis",
        "sqlite",
        "redis",
    )
    assert store_kinds(settings) == {"redis", "sqlite"}
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.visibility_timeout == 30


def test_the_environment_s_redis_url_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "steppe.toml").write_text('redis_url = "redis://file:6379/1"\n')
    monkeypatch.setenv("STEPPE_REDIS_URL", "redis://env:6380/2")
    assert load_settings(tmp_path).redis_url == "redis://env:6380/2"


def test_an_unknown_backend_is_refused_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "steppe.toml").write_text('backend = "mongo"\n')
    with pytest.raises(ConfigError, match=r"must be one of sqlite, redis"):
        load_settings(tmp_path)


def test_unreachable_redis_at_start_exits_2_naming_the_url(
    make_project: Callable[..., Path],
) -> None:
    port = free_port()  # nobody listens there
    project = make_project({**WRITER, "steppe.toml": f'backend = "redis"\nport = {free_port()}\n'})
    env = {**os.environ, "STEPPE_REDIS_URL": f"redis://:s3cret@127.0.0.1:{port}/0"}
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(project)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"redis://:***@127.0.0.1:{port}/0" in result.stderr
    assert "s3cret" not in result.stderr


async def test_state_lives_in_one_hash_per_group_under_the_prefix(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(WRITER)
    prefix = redis_server.prefix()
    overrides = {"state": "redis", "redis_url": redis_server.url, "redis_prefix": prefix}
    async with serving(project, **overrides) as (_, client):
        response = await client.post("/py/b", json={"n": 2})
        response = await client.post("/py/a", json={"n": 1})
    assert response.json() == [{"n": 1}, {"n": 2}]
    direct = redis.Redis(port=redis_server.port, decode_responses=True)
    assert direct.hgetall(f"{prefix}:state:orders") == {"a": '{"n":1}', "b": '{"n":2}'}
    assert direct.smembers(f"{prefix}:state-groups") == {"orders"}
    assert all(key.startswith(f"{prefix}:") for key in direct.keys(f"{prefix}*"))
    async with serving(project, **overrides) as (services, _):  # another instance sees it
        assert await services.env.state.get("orders", "a") == {"n": 1}
    assert json.loads(direct.hget(f"{prefix}:state:orders", "b") or "null") == {"n": 2}
