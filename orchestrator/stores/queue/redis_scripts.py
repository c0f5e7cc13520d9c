"""The Lua scripts of the Redis delivery store (`redis.py`): each call is one atomic
step on Redis, whatever other instances do meanwhile.

Keys, after `PREFIX:q:` (ARGV[1] is `PREFIX`):

| key | type | holds |
|---|---|---|
| `d:<id>` | hash | a delivery: step, event, attempts, errors, at, group, debounce, seq, … |
| `seq` | string | the last order of acceptance given |
| `pending` | zset | every pending delivery (waiting or leased), by seq |
| `s:<step>:wait` | zset | the step's deliveries not leased, by seq |
| `s:<step>:leases` | zset | the step's leased deliveries, by the Redis time their lease ends |
| `s:<step>:busy` | hash | FIFO group -> its leased delivery |
| `s:<step>:g:<group>` | zset | the group's pending deliveries, by seq (its head is the first) |
| `s:<step>:deb` | hash | debounce key -> its delivery not yet started |
| `s:<step>:rate:<key>` | zset | starts within the rate window, by the claimer's time |
| `dead` | zset | dead letters, by the time they died |
| `idem:<key>` | string | when an idempotency key was claimed (expires after the window) |
"""

from __future__ import annotations

from orchestrator.stores.redis_worker import Script

# What every script shares: key names, a delivery's fields, unlinking one from its step.
_PRELUDE = """
local P = ARGV[1]
local function k(...) return P .. ':q:' .. table.concat({...}, ':') end
local F = {'step', 'event', 'attempts', 'errors', 'at', 'group', 'debounce', 'seq'}
local function fetch(out, id)
  local v = redis.call('HMGET', k('d', id), unpack(F))
  if not v[1] then return end
  out[#out + 1] = id
  for i = 1, #F do out[#out + 1] = v[i] or '' end
end
local function unlink(id)
  local v = redis.call('HMGET', k('d', id), 'step', 'group', 'debounce')
  local step, group, deb = v[1], v[2], v[3]
  if not step then return nil end
  redis.call('ZREM', k('pending'), id)
  redis.call('ZREM', k('s', step, 'wait'), id)
  redis.call('ZREM', k('s', step, 'leases'), id)
  if group ~= '' then
    redis.call('ZREM', k('s', step, 'g', group), id)
    if redis.call('HGET', k('s', step, 'busy'), group) == id then
      redis.call('HDEL', k('s', step, 'busy'), group)
    end
  end
  if deb ~= '' and redis.call('HGET', k('s', step, 'deb'), deb) == id then
    redis.call('HDEL', k('s', step, 'deb'), deb)
  end
  return step
end
local function enlist(id, step, seq, group)
  redis.call('ZADD', k('pending'), seq, id)
  redis.call('ZADD', k('s', step, 'wait'), seq, id)
  if group ~= '' then redis.call('ZADD', k('s', step, 'g', group), seq, id) end
end
"""


def _script(body: str) -> Script:
    return Script(_PRELUDE + body)


# ARGV: P, now, count, then per delivery: id, step, event, at, group, debounce.
# Returns each delivery's seq, then the deliveries it replaced (F; debounced, not started).
ACCEPT = _script("""
local now, n = ARGV[2], tonumber(ARGV[3])
local out, replaced = {}, {}
for i = 0, n - 1 do
  local b = 4 + i * 6
  local id, step, ev = ARGV[b], ARGV[b+1], ARGV[b+2]
  local at, group, deb = ARGV[b+3], ARGV[b+4], ARGV[b+5]
  local seq = redis.call('INCR', k('seq'))
  if deb ~= '' then
    local old = redis.call('HGET', k('s', step, 'deb'), deb)
    if old and not redis.call('ZSCORE', k('s', step, 'leases'), old) then
      fetch(replaced, old)
      unlink(old)
      redis.call('DEL', k('d', old))
    end
    redis.call('HSET', k('s', step, 'deb'), deb, id)
  end
  redis.call('HSET', k('d', id), 'step', step, 'event', ev, 'attempts', 0, 'errors', '[]',
    'at', at, 'group', group, 'debounce', deb, 'seq', seq, 'status', 'pending', 'updated', now)
  enlist(id, step, seq, group)
  out[#out + 1] = seq
end
for _, field in ipairs(replaced) do out[#out + 1] = field end
return out
""")

# ARGV: P, now, count, then per delivery: id, step, event, attempts, errors. Returns seqs.
ACCEPT_DEAD = _script("""
local now, n = ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 0, n - 1 do
  local b = 4 + i * 5
  local id = ARGV[b]
  local seq = redis.call('INCR', k('seq'))
  redis.call('HSET', k('d', id), 'step', ARGV[b+1], 'event', ARGV[b+2], 'attempts', ARGV[b+3],
    'errors', ARGV[b+4], 'at', 0, 'group', '', 'debounce', '', 'seq', seq, 'status', 'dead',
    'updated', now)
  redis.call('ZADD', k('dead'), now, id)
  out[#out + 1] = seq
end
return out
""")

# ARGV: P, step, now, lease, concurrency, concurrency key, per key, rate limit ('' for
# none), rate period, rate key, most to look at. Returns the wake-up time ('' for
# none), then each leased delivery's id and fields (F).
CLAIM = _script("""
local step, now, lease = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local conc, ckey, kconc = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local rlimit, rperiod = tonumber(ARGV[8]), tonumber(ARGV[9])
local rkey, cap = ARGV[10], tonumber(ARGV[11])
local t = redis.call('TIME')
local clock = tonumber(t[1]) + tonumber(t[2]) / 1e6
local W, L, B = k('s', step, 'wait'), k('s', step, 'leases'), k('s', step, 'busy')
-- A lease that ran out: its holder is lost; the delivery waits again in its place.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', L, '-inf', clock)) do
  redis.call('ZREM', L, id)
  local v = redis.call('HMGET', k('d', id), 'seq', 'group')
  if v[1] then
    redis.call('ZADD', W, v[1], id)
    if v[2] ~= '' and redis.call('HGET', B, v[2]) == id then redis.call('HDEL', B, v[2]) end
  end
end
local function datakey(ev, path)
  local node = cjson.decode(ev)['data']
  for part in string.gmatch(path, '[^.]+') do
    if type(node) ~= 'table' or node[part] == nil then return '' end
    node = node[part]
  end
  if type(node) == 'string' then return node end
  return cjson.encode(node)
end
local leased = redis.call('ZCARD', L)
local perkey = {}
if ckey ~= '' then
  for _, id in ipairs(redis.call('ZRANGE', L, 0, -1)) do
    local ev = redis.call('HGET', k('d', id), 'event')
    if ev then
      local kv = datakey(ev, ckey)
      perkey[kv] = (perkey[kv] or 0) + 1
    end
  end
end
local out, wake = {''}, nil
local function soon(at) if wake == nil or at < wake then wake = at end end
for _, id in ipairs(redis.call('ZRANGE', W, 0, cap - 1)) do
  if leased >= conc then break end
  local v = redis.call('HMGET', k('d', id), 'event', 'at', 'group', 'debounce')
  local ev, at, group, deb = v[1], tonumber(v[2]), v[3], v[4]
  local ok = ev ~= false
  if ok and at > now then ok = false; soon(at) end
  if ok and group ~= '' then
    ok = redis.call('HEXISTS', B, group) == 0
      and redis.call('ZRANGE', k('s', step, 'g', group), 0, 0)[1] == id
  end
  local kv, R
  if ok and ckey ~= '' then
    kv = datakey(ev, ckey)
    ok = (perkey[kv] or 0) < kconc
  end
  if ok and rlimit then
    R = k('s', step, 'rate', rkey ~= '' and datakey(ev, rkey) or '')
    redis.call('ZREMRANGEBYSCORE', R, '-inf', now - rperiod)
    if redis.call('ZCARD', R) >= rlimit then
      ok = false
      soon(tonumber(redis.call('ZRANGE', R, 0, 0, 'WITHSCORES')[2]) + rperiod)
    end
  end
  if ok then
    if R then
      redis.call('ZADD', R, now, id .. ':' .. redis.call('INCR', k('starts')))
      redis.call('PEXPIRE', R, math.ceil(rperiod * 1000) + 60000)
    end
    redis.call('ZREM', W, id)
    redis.call('ZADD', L, clock + lease, id)
    leased = leased + 1
    if kv then perkey[kv] = (perkey[kv] or 0) + 1 end
    if group ~= '' then redis.call('HSET', B, group, id) end
    -- Started: the next event of its debounce key begins a new burst.
    if deb ~= '' and redis.call('HGET', k('s', step, 'deb'), deb) == id then
      redis.call('HDEL', k('s', step, 'deb'), deb)
    end
    fetch(out, id)
  end
end
if wake then out[1] = string.format('%.17g', wake) end
return out
""")

# ARGV: P, id. Forget a delivery that succeeded.
DONE = _script("""
if unlink(ARGV[2]) then redis.call('DEL', k('d', ARGV[2])) end
""")

# ARGV: P, id, attempts, errors, at, now. Keep the attempt and wait again.
FAILED = _script("""
local id = ARGV[2]
local v = redis.call('HMGET', k('d', id), 'step', 'seq', 'group')
if not v[1] then return 0 end
redis.call('HSET', k('d', id), 'attempts', ARGV[3], 'errors', ARGV[4], 'at', ARGV[5],
  'updated', ARGV[6])
redis.call('ZREM', k('s', v[1], 'leases'), id)
redis.call('ZADD', k('s', v[1], 'wait'), v[2], id)
if v[3] ~= '' and redis.call('HGET', k('s', v[1], 'busy'), v[3]) == id then
  redis.call('HDEL', k('s', v[1], 'busy'), v[3])
end
return 1
""")

# ARGV: P, id, attempts, errors, now. A dead letter now.
BURY = _script("""
local id = ARGV[2]
if not unlink(id) then return 0 end
redis.call('HSET', k('d', id), 'attempts', ARGV[3], 'errors', ARGV[4], 'status', 'dead',
  'updated', ARGV[5])
redis.call('ZADD', k('dead'), ARGV[5], id)
return 1
""")

# ARGV: P, now, then ids, or '*' for every dead letter. Returns each revived one (F).
REVIVE = _script("""
local ids = {}
if ARGV[3] == '*' then ids = redis.call('ZRANGE', k('dead'), 0, -1)
else for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end end
local out = {}
for _, id in ipairs(ids) do
  if redis.call('ZREM', k('dead'), id) == 1 then
    local v = redis.call('HMGET', k('d', id), 'step', 'seq', 'group')
    redis.call('HSET', k('d', id), 'attempts', 0, 'errors', '[]', 'at', 0, 'debounce', '',
      'status', 'pending', 'updated', ARGV[2])
    enlist(id, v[1], v[2], v[3])
    fetch(out, id)
  end
end
return out
""")

# ARGV: P, then ids, or '*' for every dead letter. Returns how many were deleted.
PURGE = _script("""
local ids = {}
if ARGV[2] == '*' then ids = redis.call('ZRANGE', k('dead'), 0, -1)
else for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end end
local n = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', k('dead'), id) == 1 then
    redis.call('DEL', k('d', id))
    n = n + 1
  end
end
return n
""")

# ARGV: P, 'pending' or 'dead' or 'one', a count or an id. Deliveries (F) in order:
# pending by seq, dead letters newest first, or the one dead letter named.
LIST = _script("""
local out = {}
local ids
if ARGV[2] == 'pending' then ids = redis.call('ZRANGE', k('pending'), 0, -1)
elseif ARGV[2] == 'dead' then ids = redis.call('ZREVRANGE', k('dead'), 0, tonumber(ARGV[3]) - 1)
elseif redis.call('ZSCORE', k('dead'), ARGV[3]) then ids = {ARGV[3]}
else ids = {} end
for _, id in ipairs(ids) do fetch(out, id) end
return out
""")

# ARGV: P, step, now. Returns leased, waiting, delayed, and the next delayed time ('').
COUNTS = _script("""
local step, now = ARGV[2], tonumber(ARGV[3])
local waiting, delayed, nxt = 0, 0, nil
for _, id in ipairs(redis.call('ZRANGE', k('s', step, 'wait'), 0, -1)) do
  local at = tonumber(redis.call('HGET', k('d', id), 'at') or '0')
  if at > now then
    delayed = delayed + 1
    if nxt == nil or at < nxt then nxt = at end
  else waiting = waiting + 1 end
end
return {redis.call('ZCARD', k('s', step, 'leases')), waiting, delayed,
  nxt and string.format('%.17g', nxt) or ''}
""")

# ARGV: P, key, now, window. 1 when the key was not claimed within the window (and is now).
CLAIM_KEY = _script("""
local K = k('idem', ARGV[2])
local now, window = tonumber(ARGV[3]), tonumber(ARGV[4])
local claimed = redis.call('GET', K)
if claimed and now - tonumber(claimed) < window then return 0 end
redis.call('SET', K, ARGV[3], 'PX', math.ceil(window * 1000) + 1000)
return 1
""")

ALL = (ACCEPT, ACCEPT_DEAD, CLAIM, DONE, FAILED, BURY, REVIVE, PURGE, LIST, COUNTS, CLAIM_KEY)
