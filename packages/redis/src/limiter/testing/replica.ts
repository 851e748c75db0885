/**
 * @module A replica for the limiter tests: `callers` concurrent loops of `waits` waits each on one RedisLimiter.
 * Args: url key rate burst callers waits.
 * @internal
 */
import { createClient } from 'redis';
import { RedisLimiter } from '../../index.js';
import { hear, tell } from '../../testing/replica.js';

const [url, key, rate, burst, callers, waits] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const client = createClient({ url });
await client.connect();
const limiter = new RedisLimiter(client, { key, rate: Number(rate), burst: Number(burst) });
tell({ type: 'ready' });
await hear('go');
let granted = 0;
await Promise.all(
  Array.from({ length: Number(callers) }, async () => {
    for (let i = 0; i < Number(waits); i++) {
      await limiter.wait();
      granted++;
    }
  }),
);
tell({ type: 'done', granted, roundTrips: limiter.stats.roundTrips });
await limiter.close();
client.destroy();
process.disconnect();
