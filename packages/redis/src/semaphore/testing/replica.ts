/**
 * @module A replica for the semaphore tests. Args: url mode ...
 * - `work workers rounds leaseMs`: each worker alternately holds `pair` (size 2) and `solo` (size 1) and enters a
 *   resource checked in Redis itself, independently of the semaphore's own bookkeeping (see `enter` below).
 * - `hold leaseMs`: acquires `held` (size 1), reports its token, tells 'lost' when lease.signal aborts, releases on
 *   'release'.
 * @internal
 */
import { createClient } from 'redis';
import { RedisSemaphore } from '../../index.js';
import { hear, tell } from '../../testing/replica.js';

// The resource: counts who is inside, and remembers the highest token that left. Run on the holder's own connection
// right after its grant and right before its release, so in Redis' order: grant < enter < exit < release.
const ENTER = `local inside = redis.call('INCR', KEYS[1])
local done = tonumber(redis.call('GET', KEYS[2]) or '0')
return {inside, tostring(done < tonumber(ARGV[1]) and 1 or 0)}`;
const EXIT = `redis.call('DECR', KEYS[1])
local done = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) > done then redis.call('SET', KEYS[2], ARGV[1]) end`;

const [url, mode, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const client = createClient({ url });
client.on('error', () => {});
await client.connect();

if (mode === 'work') {
  const [workers, rounds, leaseMs] = rest.map(Number) as [number, number, number];
  const pair = new RedisSemaphore(client, { key: 'pair', size: 2, leaseMs });
  const solo = new RedisSemaphore(client, { key: 'solo', size: 1, leaseMs });
  tell({ type: 'ready' });
  await hear('go');
  let maxInside = 0;
  let fenceViolations = 0;
  const tokens: number[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < rounds; i++) {
        const sem = (i + w) % 2 ? pair : solo;
        const lease = await sem.acquire();
        tokens.push(lease.token);
        const token = String(lease.token);
        const inside = `resource:${sem.size}:inside`;
        const done = `resource:${sem.size}:done`;
        const [n, fresh] = (await client.eval(ENTER, { keys: [inside, done], arguments: [token] })) as [
          number,
          string,
        ];
        maxInside = Math.max(maxInside, n);
        // With one permit the holders are serial, so every token must exceed every one that left before it.
        if (sem.size === 1 && fresh !== '1') fenceViolations++;
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        await client.eval(EXIT, { keys: [inside, done], arguments: [token] });
        await lease.release();
      }
    }),
  );
  tell({
    type: 'done',
    maxInside,
    fenceViolations,
    tokens,
    wakeups: pair.stats.wakeups + solo.stats.wakeups,
  });
  await pair.close();
  await solo.close();
} else {
  const [leaseMs] = rest.map(Number) as [number];
  const sem = new RedisSemaphore(client, { key: 'held', size: 1, leaseMs });
  const lease = await sem.acquire();
  lease.signal.addEventListener('abort', () => tell({ type: 'lost', reason: String(lease.signal.reason) }));
  tell({ type: 'held', token: lease.token });
  await hear('release');
  await lease.release();
  tell({ type: 'released' });
  await sem.close();
}
client.destroy();
process.disconnect();
