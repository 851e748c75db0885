/**
 * @module The bus's one script: the replay of what followed an id, with the check that the id can be placed, in one
 * atomic step (so no append or trim can slip between the check and the read).
 * @internal
 */
import { Script } from '../../internal/script.js';

/**
 * KEYS[1] the stream; ARGV[1] a complete stream id. Returns `{0}` when Redis cannot tell what followed it (not an
 * entry it holds: never one, trimmed away, or lost with a restart), else `{1, entries after it}`. The start position
 * `0-0` is placed while nothing was ever removed from the stream (XLEN equals `entries-added`).
 */
export const readAfter = new Script(
  'redisBus',
  `local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then
  if id == '0-0' then return {1, {}} end
  return {0}
end
if id == '0-0' then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  local fields = {}
  for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
  if fields['length'] ~= fields['entries-added'] then return {0} end
elseif #redis.call('XRANGE', KEYS[1], id, id) == 0 then
  return {0}
end
return {1, redis.call('XRANGE', KEYS[1], '(' .. id, '+')}`,
);
