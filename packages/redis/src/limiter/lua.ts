/**
 * @module The RedisLimiter's scripts: GCRA on one key holding the theoretical arrival time (TAT) in integer
 * microseconds of the Redis clock.
 * @internal
 */
import { Script } from '../internal/script.js';

const OWNER = 'redis limiter';

// Shared prologue: `now` from Redis TIME, `tat` from the key (a missing or past TAT is a full bucket: tat = now).
// Lua 5.1 numbers are doubles: microseconds since 1970 (~1.8e15) are exact, but tostring() would print them as
// 1.8e+15, so every number written back goes through string.format('%d').
const PROLOGUE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('GET', KEYS[1])
local tat = now
if v then
  local stored = tonumber(v)
  if not stored then
    return redis.error_reply('${OWNER}: key ' .. KEYS[1] .. ' holds "' .. string.sub(v, 1, 40) .. '", not a limiter state')
  end
  if stored > now then tat = stored end
end
local function store(x)
  if x <= now then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], string.format('%d', x), 'PX', math.ceil((x - now) / 1000) + 1)
  end
end
`;

/**
 * ARGV: cost (n × interval µs), tau (burst × interval µs), mode ('allow' | 'reserve').
 * Returns { granted (0|1), delay µs, new TAT as a string (the reservation's identity for a cancel), now µs as a
 * string (so the caller can place the grant on its own clock) }.
 * 'allow' takes the tokens only when they are there now and writes nothing otherwise; 'reserve' always moves the
 * TAT (the caller has checked n <= burst), and the caller sleeps `delay`.
 */
export const take = new Script(
  OWNER,
  `${PROLOGUE}
local cost = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local nt = tat + cost
local delay = nt - tau - now
if delay < 0 then delay = 0 end
if delay > 0 and ARGV[3] == 'allow' then return {0, delay, '', string.format('%d', now)} end
store(nt)
return {1, delay, string.format('%d', nt), string.format('%d', now)}
`,
);

/**
 * ARGV: tau, then pairs (TAT returned by the reservation, its cost), newest first.
 * Gives back each reservation that is still the newest (compare-and-set on the TAT) and not yet due; stops at the
 * first that is not, since every older one then has a later reservation depending on it.
 * Returns the number of reservations given back.
 */
export const giveBack = new Script(
  OWNER,
  `${PROLOGUE}
local tau = tonumber(ARGV[1])
local cur = v
local back = 0
for i = 2, #ARGV, 2 do
  if cur ~= ARGV[i] then break end
  local mine = tonumber(ARGV[i])
  if mine - tau <= now then break end
  local prev = mine - tonumber(ARGV[i + 1])
  cur = string.format('%d', prev)
  back = back + 1
end
if back > 0 then store(tonumber(cur)) end
return back
`,
);
