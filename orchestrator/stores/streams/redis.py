"""Stream items in Redis (`streams = "redis"`, docs/reference.md §11), shared by every instance.

Keys, after `PREFIX:st:`: `i:<stream>:<group>` (hash: id -> the item's JSON),
`o:<stream>:<group>` (zset: id -> its creation number, the order a group lists and
`maxItems` evicts by), `x:<stream>:<group>` (zset: id -> when it expires),
`groups:<stream>` (set: groups that hold items), `exp` (zset: `stream NUL group NUL
id` -> when it expires, for the sweeper) and `seq` (the last creation number).
Writes are Lua scripts; reads are plain commands in one pipeline, filtered here.
"""

from __future__ import annotations

import json
import time
from typing import Any

from orchestrator.core.types import JSONMap
from orchestrator.stores.redis_worker import RedisUnavailable, RedisWorker, Script
from orchestrator.stores.streams.base import (
    ItemCheck,
    SetOutcome,
    StreamStore,
    UpdateOutcome,
    updated_item,
)
from orchestrator.stores.update_ops import UpdateOp

_PRELUDE = """
local P, S, G = ARGV[1], ARGV[2], ARGV[3]
local I, O, X = P .. ':st:i:' .. S .. ':' .. G, P .. ':st:o:' .. S .. ':' .. G,
  P .. ':st:x:' .. S .. ':' .. G
local E = P .. ':st:exp'
local function forget(id)
  redis.call('HDEL', I, id)
  redis.call('ZREM', O, id)
  redis.call('ZREM', X, id)
  redis.call('ZREM', E, S .. '\\0' .. G .. '\\0' .. id)
end
local function expired(id, now)
  local at = redis.call('ZSCORE', X, id)
  return at and tonumber(at) <= now
end
local function settle()
  if redis.call('EXISTS', I) == 0 then redis.call('SREM', P .. ':st:groups:' .. S, G) end
end
"""

# ARGV: P, stream, group, id, JSON, now, expires at (''), max items (''). Returns
# the JSON of the live item replaced ('' when created), then that of each evicted item.
_SET_BODY = """
local id, now = ARGV[4], tonumber(ARGV[6])
local old = redis.call('HGET', I, id)
local created = (not old) or expired(id, now)
if old and created then forget(id) end
redis.call('HSET', I, id, ARGV[5])
if created then redis.call('ZADD', O, redis.call('INCR', P .. ':st:seq'), id) end
if ARGV[7] ~= '' then
  redis.call('ZADD', X, ARGV[7], id)
  redis.call('ZADD', E, ARGV[7], S .. '\\0' .. G .. '\\0' .. id)
else
  redis.call('ZREM', X, id)
  redis.call('ZREM', E, S .. '\\0' .. G .. '\\0' .. id)
end
redis.call('SADD', P .. ':st:groups:' .. S, G)
local out = {created and '' or old}
if created and ARGV[8] ~= '' then
  local live = {}
  for _, other in ipairs(redis.call('ZRANGE', O, 0, -1)) do
    if not expired(other, now) then live[#live + 1] = other end
  end
  for n = 1, #live - tonumber(ARGV[8]) do
    out[#out + 1] = redis.call('HGET', I, live[n])
    forget(live[n])
  end
end
return out
"""
_SET = Script(_PRELUDE + _SET_BODY)
# `update`'s write: ARGV as _SET, then the JSON the caller read (ARGV[9]) and '1' when
# it read no live item (ARGV[10]). Answers {-1} without writing when the item changed
# since (the caller reads again and retries), else as _SET: a compare-and-set, so an
# update is atomic across every instance sharing the server.
_UPDATE = Script(
    _PRELUDE
    + """
local current = redis.call('HGET', I, ARGV[4])
local live = current and not expired(ARGV[4], tonumber(ARGV[6]))
if ARGV[10] == '1' then
  if live then return {-1} end
elseif (not live) or current ~= ARGV[9] then
  return {-1}
end
"""
    + _SET_BODY
)

# ARGV: P, stream, group, id, now. The item's JSON, or nil when missing or expired.
_DELETE = Script(
    _PRELUDE
    + """
local id = ARGV[4]
local old = redis.call('HGET', I, id)
if not old then return nil end
local gone = expired(id, tonumber(ARGV[5]))
forget(id)
settle()
if gone then return nil end
return old
"""
)

# ARGV: P, stream, group, now. The expired items' JSON, oldest first, removed.
_EXPIRE = Script(
    _PRELUDE
    + """
local due = redis.call('ZRANGEBYSCORE', X, '-inf', ARGV[4])
table.sort(due, function(a, b)
  return tonumber(redis.call('ZSCORE', O, a)) < tonumber(redis.call('ZSCORE', O, b)) end)
local out = {}
for _, id in ipairs(due) do
  out[#out + 1] = redis.call('HGET', I, id)
  forget(id)
end
settle()
return out
"""
)

# ARGV: P, stream, '', now. Each group with live items, and how many.
_LIST_GROUPS = Script(
    _PRELUDE
    + """
local out = {}
for _, group in ipairs(redis.call('SMEMBERS', P .. ':st:groups:' .. S)) do
  local key = S .. ':' .. group
  local live = redis.call('HLEN', P .. ':st:i:' .. key)
    - redis.call('ZCOUNT', P .. ':st:x:' .. key, '-inf', ARGV[4])
  if live > 0 then
    out[#out + 1] = group
    out[#out + 1] = live
  end
end
return out
"""
)


class RedisStreamStore(StreamStore):
    def __init__(self, worker: RedisWorker) -> None:
        self._worker = worker
        worker.add_scripts([_SET, _UPDATE, _DELETE, _EXPIRE, _LIST_GROUPS])

    def _key(self, kind: str, stream: str, group: str) -> str:
        return self._worker.key("st", kind, stream, group)

    def _call(self, script: Script, stream: str, group: str, *args: Any) -> Any:
        return self._worker.run([script.call((), (self._worker.prefix, stream, group, *args))])

    async def get(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        text, expires = await self._worker.run(
            [("HGET", self._key("i", stream, group), item_id),
             ("ZSCORE", self._key("x", stream, group), item_id)]
        )  # fmt: skip
        if text is None or (expires is not None and float(expires) <= now):
            return None
        item: JSONMap = json.loads(text)
        return item

    async def get_group(self, stream: str, group: str, now: float) -> list[JSONMap]:
        order, items, expiring = await self._worker.run(
            [("ZRANGE", self._key("o", stream, group), 0, -1),
             ("HGETALL", self._key("i", stream, group)),
             ("ZRANGE", self._key("x", stream, group), 0, -1, "WITHSCORES")]
        )  # fmt: skip
        gone = {item_id for item_id, at in _pairs(expiring) if float(at) <= now}
        return [json.loads(items[i]) for i in order if i in items and i not in gone]

    async def list_groups(
        self, stream: str, now: float, *, limit: int | None = None
    ) -> dict[str, int]:
        (reply,) = await self._call(_LIST_GROUPS, stream, "", repr(now))
        counts = {group: int(n) for group, n in _pairs(reply)}
        return {group: counts[group] for group in sorted(counts)[:limit]}

    async def set(
        self,
        stream: str,
        group: str,
        item: JSONMap,
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
    ) -> SetOutcome:
        (reply,) = await self._call(
            _SET, stream, group, str(item["id"]), json.dumps(item, ensure_ascii=False),
            repr(now), "" if expires_at is None else repr(expires_at),
            "" if max_items is None else max_items,
        )  # fmt: skip
        old = json.loads(reply[0]) if reply[0] else None
        return SetOutcome(old, [json.loads(text) for text in reply[1:]])

    async def update(
        self,
        stream: str,
        group: str,
        item_id: str,
        ops: list[UpdateOp],
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
        check: ItemCheck | None = None,
    ) -> UpdateOutcome:
        where = f"streams.{stream}.update({group!r}, {item_id!r})"
        while True:  # until no other write landed between our read and our write
            text, expires = await self._worker.run(
                [("HGET", self._key("i", stream, group), item_id),
                 ("ZSCORE", self._key("x", stream, group), item_id)]
            )  # fmt: skip
            live = text is not None and (expires is None or float(expires) > now)
            old: JSONMap | None = json.loads(text) if live else None
            new = updated_item(old, item_id, ops, check, where)
            (reply,) = await self._call(
                _UPDATE, stream, group, item_id, json.dumps(new, ensure_ascii=False),
                repr(now), "" if expires_at is None else repr(expires_at),
                "" if max_items is None else max_items,
                text if live else "", "0" if live else "1",
            )  # fmt: skip
            if reply[0] != -1:
                evicted = [json.loads(item) for item in reply[1:]]
                return UpdateOutcome(old, new, evicted)

    async def delete(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        (old,) = await self._call(_DELETE, stream, group, item_id, repr(now))
        return None if old is None else dict(json.loads(old))

    async def expired_groups(self, now: float) -> list[tuple[str, str]]:
        try:
            (members,) = await self._worker.run(
                [("ZRANGEBYSCORE", self._worker.key("st", "exp"), "-inf", repr(now))]
            )
        except RedisUnavailable:  # the sweeper tries again (see next_expiry)
            return []
        pairs = {tuple(member.split("\0")[:2]) for member in members}
        return sorted((stream, group) for stream, group in pairs)

    async def expire(self, stream: str, group: str, now: float) -> list[JSONMap]:
        (reply,) = await self._call(_EXPIRE, stream, group, repr(now))
        return [json.loads(text) for text in reply]

    async def next_expiry(self) -> float | None:
        try:
            (first,) = await self._worker.run(
                [("ZRANGE", self._worker.key("st", "exp"), 0, 0, "WITHSCORES")]
            )
        except RedisUnavailable:  # Redis lost: sweep again in a few seconds
            return time.time() + 5.0
        pairs = _pairs(first)
        return float(pairs[0][1]) if pairs else None


def _pairs(flat: list[Any]) -> list[tuple[Any, Any]]:
    """[a, 1, b, 2] as [(a, 1), (b, 2)]; redis-py gives WITHSCORES replies as pairs already."""
    if flat and isinstance(flat[0], list | tuple):
        return [(a, b) for a, b in flat]
    return list(zip(flat[::2], flat[1::2], strict=True))
