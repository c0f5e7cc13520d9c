"""State in Redis (`state = "redis"`, docs/reference.md §11): one hash per group,
`PREFIX:state:<group>`, its fields the keys and its values JSON text; the set
`PREFIX:state-groups` names the groups that hold a key.

Writes that touch both (the last key of a group deleted) are one Lua script, so the
set never names an empty group for long nor misses a full one, whatever other
instances do meanwhile. Values are sorted by key here, in code-point order, as the
SQLite store returns them.
"""

from __future__ import annotations

import json

from orchestrator.core.types import JSON
from orchestrator.stores.redis_worker import RedisWorker, Script
from orchestrator.stores.state.base import StateStore, encode_value
from orchestrator.stores.update_ops import UpdateOp, UpdateResult, apply_ops

# KEYS: the group's hash, the groups set; ARGV: the group, the key, the JSON.
_SET = Script("redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) redis.call('SADD', KEYS[2], ARGV[1])")
# KEYS as _SET; ARGV: the group, the key. Returns the old JSON (false when missing).
_DELETE = Script(
    "local old = redis.call('HGET', KEYS[1], ARGV[2]) redis.call('HDEL', KEYS[1], ARGV[2]) "
    "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end "
    "return old"
)
# KEYS and ARGV as _SET. Returns the old JSON (false when missing).
_REPLACE = Script(
    "local old = redis.call('HGET', KEYS[1], ARGV[2]) "
    "redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) redis.call('SADD', KEYS[2], ARGV[1]) "
    "return old"
)
# KEYS and ARGV as _CLEAR. Returns the removed fields and values, flat.
_POP_GROUP = Script(
    "local all = redis.call('HGETALL', KEYS[1]) redis.call('DEL', KEYS[1]) "
    "redis.call('SREM', KEYS[2], ARGV[1]) return all"
)
_CLEAR = Script("redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1])")
# `update`'s write, a compare-and-set: KEYS as _SET; ARGV: the group, the key, the new
# JSON, the JSON the caller read, '1' when it read none. 0 (nothing written) when the
# value changed since (the caller reads again and retries), else 1.
_UPDATE = Script(
    "local cur = redis.call('HGET', KEYS[1], ARGV[2]) "
    "if ARGV[5] == '1' then if cur then return 0 end elseif cur ~= ARGV[4] then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) redis.call('SADD', KEYS[2], ARGV[1]) "
    "return 1"
)


class RedisStateStore(StateStore):
    def __init__(self, worker: RedisWorker) -> None:
        self._worker = worker
        worker.add_scripts([_SET, _REPLACE, _UPDATE, _DELETE, _CLEAR, _POP_GROUP])
        self._groups = worker.key("state-groups")

    def _keys(self, group: str) -> tuple[str, str]:
        return self._worker.key("state", group), self._groups

    async def get(self, group: str, key: str) -> JSON:
        (text,) = await self._worker.run([("HGET", self._worker.key("state", group), key)])
        return None if text is None else json.loads(text)

    async def set(self, group: str, key: str, value: JSON) -> JSON:
        # Encoded before any await, so the caller's later mutations cannot reach the store.
        await self._worker.run([_SET.call(self._keys(group), (group, key, encode_value(value)))])
        return value

    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        call = _REPLACE.call(self._keys(group), (group, key, encode_value(value)))
        (old,) = await self._worker.run([call])
        return None if old is None else json.loads(old)

    async def update(self, group: str, key: str, ops: list[UpdateOp]) -> UpdateResult:
        keys = self._keys(group)
        while True:  # until no other write landed between our read and our write
            (text,) = await self._worker.run([("HGET", keys[0], key)])
            old = None if text is None else json.loads(text)
            new = apply_ops(old, ops, f"state.update({group!r}, {key!r})")
            expected = ("", "1") if text is None else (text, "0")
            call = _UPDATE.call(keys, (group, key, encode_value(new), *expected))
            (written,) = await self._worker.run([call])
            if written:
                return UpdateResult(old, new)

    async def delete(self, group: str, key: str) -> JSON:
        (old,) = await self._worker.run([_DELETE.call(self._keys(group), (group, key))])
        return None if old is None else json.loads(old)

    async def get_group(self, group: str) -> list[JSON]:
        return [value for _, value in await self.items(group)]

    async def clear(self, group: str) -> None:
        await self._worker.run([_CLEAR.call(self._keys(group), (group,))])

    async def pop_group(self, group: str) -> list[tuple[str, JSON]]:
        (flat,) = await self._worker.run([_POP_GROUP.call(self._keys(group), (group,))])
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        return [(key, json.loads(fields[key])) for key in sorted(fields)]

    async def items(self, group: str) -> list[tuple[str, JSON]]:
        (fields,) = await self._worker.run([("HGETALL", self._worker.key("state", group))])
        return [(key, json.loads(fields[key])) for key in sorted(fields)]

    async def groups(self) -> list[str]:
        (names,) = await self._worker.run([("SMEMBERS", self._groups)])
        return sorted(names)
