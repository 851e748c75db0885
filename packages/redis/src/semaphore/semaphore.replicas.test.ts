import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisSemaphore } from '../index.js';
import { Replica } from '../testing/replica.js';
import { needsRedis, useRedisServer } from '../testing/server.js';

const REPLICA = new URL('./testing/replica.ts', import.meta.url);

describe('RedisSemaphore across replica processes', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  it('never has more than size permits out across 3 replicas, and fencing tokens only increase', async () => {
    const replicas = Array.from(
      { length: 3 },
      () => new Replica(REPLICA, [redis.server.url, 'work', '4', '8', '10000']),
    );
    try {
      await Promise.all(replicas.map((r) => r.next('ready')));
      for (const r of replicas) r.send({ type: 'go' });
      const done = await Promise.all(replicas.map((r) => r.next('done')));
      const tokens = done.flatMap((d) => d.tokens as number[]);
      assert.equal(tokens.length, 3 * 4 * 8);
      assert.equal(new Set(tokens).size, tokens.length, 'a fencing token was granted twice');
      for (const d of done) {
        assert.ok(
          (d.maxInside as number) <= 2,
          `inside the resource at once: ${String(d.maxInside)}; want <= 2`,
        );
        assert.equal(d.fenceViolations, 0, 'a solo holder got a token lower than one that had already left');
      }
      assert.ok(
        done.some((d) => (d.wakeups as number) > 0),
        'no hand-off came by pub/sub',
      );
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });

  it('gives a kill -9’d holder’s permits to the next waiter once its lease lapses', async () => {
    const holder = new Replica(REPLICA, [redis.server.url, 'hold', '300']);
    const sem = new RedisSemaphore(redis.client, { key: 'held', size: 1, leaseMs: 300 });
    try {
      const { token } = await holder.next('held');
      const waiting = sem.acquire();
      holder.kill('SIGKILL');
      await holder.exited;
      const lease = await waiting;
      assert.ok(lease.token > (token as number), `token ${lease.token}; want > ${String(token)}`);
      await lease.release();
    } finally {
      await sem.close();
      await holder.stop();
    }
  });

  it('aborts the signal of a holder SIGSTOPped past its lease; its release after SIGCONT changes nothing', async () => {
    const holder = new Replica(REPLICA, [redis.server.url, 'hold', '300']);
    const sem = new RedisSemaphore(redis.client, { key: 'held', size: 1, leaseMs: 300 });
    try {
      const { token } = await holder.next('held');
      holder.kill('SIGSTOP');
      const lease = await sem.acquire(); // granted only once the stopped holder's lease has lapsed
      assert.ok(lease.token > (token as number));
      holder.kill('SIGCONT');
      const lost = await holder.next('lost');
      assert.match(lost.reason as string, /LeaseLostError: redis semaphore: lease lost/);
      holder.send({ type: 'release' });
      await holder.next('released');
      const [, , entries, meta] = sem.keys as [string, string, string, string];
      assert.equal(
        await redis.client.hGet(meta, 'used'),
        '1',
        'the late release gave back permits it no longer held',
      );
      assert.deepEqual(Object.values(await redis.client.hGetAll(entries)), [`1:${lease.token}`]);
      assert.equal(lease.signal.aborted, false);
      await lease.release();
    } finally {
      await sem.close();
      await holder.stop();
    }
  });
});
