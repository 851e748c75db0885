/**
 * @module The RedisSemaphore's scripts. Keys (one hash tag): the queue (ZSET id -> ticket), the leases (ZSET id ->
 * expiry, µs of the Redis clock, for waiters and holders alike), the entries (HASH id -> "n" for a waiter,
 * "n:token" for a holder) and the meta (HASH used, ticket, seq).
 * @internal
 */
import { Script } from '../internal/script.js';

const OWNER = 'redis semaphore';

// Every script first drops the entries whose lease lapsed, so a dead or paused process never keeps permits or a
// place beyond its lease, and no script ever acts on a lapsed entry (a paused holder's late release finds nothing).
// Lua 5.1 numbers are doubles: tokens (~1.8e15 µs) are exact, but go through string.format('%d') to become strings.
const PROLOGUE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local Q, E, D, M = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local size = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local channel = ARGV[3]
local function fmt(x) return string.format('%d', x) end
local function check(key, want)
  local got = redis.call('TYPE', key).ok
  if got ~= 'none' and got ~= want then
    return redis.error_reply('${OWNER}: key ' .. key .. ' holds a ' .. got .. ', not this semaphore\\'s ' .. want)
  end
end
local bad = check(Q, 'zset') or check(E, 'zset') or check(D, 'hash') or check(M, 'hash')
if bad then return bad end
local function weight(d) return tonumber(string.match(d, '^(%d+)')) end
local function used() return tonumber(redis.call('HGET', M, 'used') or '0') end
local function remove(id)
  local d = redis.call('HGET', D, id)
  if not d then return false end
  if redis.call('ZREM', Q, id) == 0 then redis.call('HINCRBY', M, 'used', -weight(d)) end
  redis.call('HDEL', D, id)
  redis.call('ZREM', E, id)
  return d
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', E, '-inf', now)) do remove(id) end
local granted = {}
-- Strict FIFO with head-of-line blocking (x/sync/semaphore): only the head is granted, so a large waiter is never
-- overtaken by small ones behind it. A granted waiter keeps the lease it had as a waiter: its own process refreshes it.
local function grant()
  while true do
    local head = redis.call('ZRANGE', Q, 0, 0)[1]
    if not head then break end
    local n = weight(redis.call('HGET', D, head))
    if used() + n > size then break end
    local token = math.max(tonumber(redis.call('HGET', M, 'seq') or '0') + 1, now)
    redis.call('HSET', M, 'seq', fmt(token))
    redis.call('HINCRBY', M, 'used', n)
    redis.call('ZREM', Q, head)
    redis.call('HSET', D, head, n .. ':' .. fmt(token))
    granted[#granted + 1] = head .. ':' .. fmt(token)
  end
end
-- Tells the waiting replicas who was granted, and lets the keys expire after the last lease (every process gone).
-- An idle semaphore leaves only the meta's seq, for a second, so tokens keep increasing even when many grants in
-- one microsecond ran seq ahead of the clock.
local function finish()
  if #granted > 0 then redis.call('PUBLISH', channel, table.concat(granted, ',')) end
  local last = redis.call('ZRANGE', E, -1, -1, 'WITHSCORES')[2]
  if not last then
    redis.call('DEL', Q, E, D)
    redis.call('HDEL', M, 'used', 'ticket')
    if redis.call('EXISTS', M) == 1 then redis.call('PEXPIRE', M, 1000) end
    return
  end
  local ttl = math.ceil((tonumber(last) - now) / 1000) + 1000
  for _, k in ipairs({Q, E, D, M}) do redis.call('PEXPIRE', k, ttl) end
end
`;

/**
 * ARGV: size, leaseUs, channel, then triples (id, n, token): a holder's (token set) lease is refreshed when it still
 * holds that grant; a waiter (token '') is refreshed, or queued at the back when it is new or its lease lapsed.
 * Then the head is granted as far as it fits. Returns one string per triple: a holder '1' (still held) or '0'
 * (lost); a waiter its token when granted, else '0'.
 */
export const tick = new Script(
  OWNER,
  `${PROLOGUE}
local expiry = now + lease
for i = 4, #ARGV, 3 do
  local id, n, token = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local d = redis.call('HGET', D, id)
  if token ~= '' then
    if d == n .. ':' .. token then redis.call('ZADD', E, 'XX', fmt(expiry), id) end
  elseif d then
    if redis.call('ZSCORE', Q, id) then redis.call('ZADD', E, 'XX', fmt(expiry), id) end
  else
    redis.call('ZADD', Q, redis.call('HINCRBY', M, 'ticket', 1), id)
    redis.call('HSET', D, id, n)
    redis.call('ZADD', E, fmt(expiry), id)
  end
end
grant()
local out = {}
for i = 4, #ARGV, 3 do
  local id, n, token = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local d = redis.call('HGET', D, id)
  if token ~= '' then
    out[#out + 1] = (d == n .. ':' .. token) and '1' or '0'
  else
    out[#out + 1] = d and string.match(d, ':(%d+)$') or '0'
  end
end
finish()
return out
`,
);

/**
 * ARGV: size, leaseUs, channel, id, n. Grants `n` at once when nobody is queued and they fit; never queues.
 * Returns the token, or '0'.
 */
export const tryTake = new Script(
  OWNER,
  `${PROLOGUE}
grant()
local n = tonumber(ARGV[5])
local out = '0'
if redis.call('ZCARD', Q) == 0 and used() + n <= size then
  local token = math.max(tonumber(redis.call('HGET', M, 'seq') or '0') + 1, now)
  redis.call('HSET', M, 'seq', fmt(token))
  redis.call('HINCRBY', M, 'used', n)
  redis.call('HSET', D, ARGV[4], n .. ':' .. fmt(token))
  redis.call('ZADD', E, fmt(now + lease), ARGV[4])
  out = fmt(token)
end
finish()
return out
`,
);

/**
 * ARGV: size, leaseUs, channel, id, n, token. Removes the entry: a holder's only when it still holds exactly that
 * grant (token '' for an aborted acquire, which may have been granted meanwhile). Then grants the new head.
 * Returns 1 when something was removed.
 */
export const leave = new Script(
  OWNER,
  `${PROLOGUE}
local id, n, token = ARGV[4], ARGV[5], ARGV[6]
local d = redis.call('HGET', D, id)
local out = 0
if d and (token == '' or d == n .. ':' .. token) then
  remove(id)
  out = 1
end
grant()
finish()
return out
`,
);
