/**
 * @module Reading stream replies as node-redis hands them back from raw commands, under RESP2 or RESP3.
 * @internal
 */
import type { BusEntry } from 'goscale/http';

const OWNER = 'redisBus';

/** `[id, [field, value, …]]` as XRANGE and XREAD return each entry. */
export function toEntry(raw: unknown): BusEntry {
  const [id, fields] = raw as [string, string[]];
  let topic: string | undefined;
  let event: string | undefined;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = String(fields[i + 1]);
    if (fields[i] === 'topic') topic = value;
    else if (fields[i] === 'event') event = value;
    else if (fields[i] === 'data') data = value;
  }
  // Someone else's XADD to our key: said plainly rather than delivered as an event with holes.
  if (topic === undefined || data === undefined) {
    throw new TypeError(
      `${OWNER}: stream entry ${String(id)} has no topic or data field (written by someone else?)`,
    );
  }
  return { id: String(id), topic, event, data };
}

/** The entries of one stream in an XREAD reply: `[[key, entries]]` (RESP2), a Map or an object (RESP3), or null. */
export function xreadEntries(reply: unknown, key: string): unknown[] {
  if (reply === null || reply === undefined) return [];
  let found: unknown;
  if (Array.isArray(reply)) found = (reply as [string, unknown][]).find(([k]) => String(k) === key)?.[1];
  else if (reply instanceof Map) found = reply.get(key);
  else found = (reply as Record<string, unknown>)[key];
  return Array.isArray(found) ? found : [];
}
