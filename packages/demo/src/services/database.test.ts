import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agent, call } from '../lib/client.js';
import { slowdown, startDatabase } from './database.js';

after(() => agent.destroy());

describe('slowdown', () => {
  const cases = [
    { n: 1, want: 1 },
    { n: 10, want: 1 },
    { n: 20, want: 2 ** 1.5 },
    { n: 40, want: 8 },
  ];
  for (const { n, want } of cases) {
    it(`is ${want.toFixed(2)} with ${n} queries in flight (knee 10, alpha 1.5)`, () => {
      assert.equal(slowdown(n, 10, 1.5), want);
    });
  }

  it('makes total throughput fall past the knee (the collapse curve)', () => {
    const throughput = (n: number): number => n / slowdown(n, 10, 1.5);
    assert.ok(throughput(10) > throughput(20));
    assert.ok(throughput(20) > throughput(40));
    assert.ok(throughput(40) > throughput(160));
    assert.equal(throughput(5) * 2, throughput(10));
  });
});

describe('database', () => {
  it('gives the n-th concurrent query exactly slowdown(n) times its base service time', async () => {
    const db = await startDatabase({ seed: 3, medianMs: 300, knee: 4, alpha: 1.5 });
    try {
      const n = 12;
      // 300 ms of base time each: the whole burst is in before the first query ends, so arrivals see 1..n.
      const replies = await Promise.all(
        Array.from({ length: n }, (_, i) => call(`${db.url}/query/${i}`, { method: 'POST' })),
      );
      const factors = replies
        .map((r, i) => Number(r.headers['x-service-ms']) / db.serviceMs(i, 1))
        .sort((a, b) => a - b);
      factors.forEach((f, i) => {
        const want = slowdown(i + 1, 4, 1.5);
        // x-service-ms carries three decimals; 0.1% covers that rounding and nothing else.
        assert.ok(Math.abs(f - want) < want * 1e-3, `factor #${i + 1} = ${f}; want ${want}`);
      });
      assert.equal(db.stats().peakInFlight, n);
    } finally {
      await db.close();
    }
  });

  it('answers 503 after the statement timeout when a query would run longer', async () => {
    const db = await startDatabase({ seed: 3, medianMs: 50, knee: 1, alpha: 3, statementTimeoutMs: 100 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 3 }, (_, i) => call(`${db.url}/query/${i}`, { method: 'POST' })),
      );
      // The first runs alone (50 ms-ish); the third would take 27x its base time.
      assert.equal(replies[0]!.status, 200);
      assert.equal(replies[2]!.status, 503);
      assert.equal(db.stats().timedOut, replies.filter((r) => r.status === 503).length);
    } finally {
      await db.close();
    }
  });

  it('stores what PUT /kv writes and reads it back', async () => {
    const db = await startDatabase({ seed: 3 });
    try {
      assert.equal((await call<{ value: number }>(`${db.url}/kv/x`)).body?.value, 0);
      await call(`${db.url}/kv/x`, { method: 'PUT', body: { value: 7 } });
      assert.equal((await call<{ value: number }>(`${db.url}/kv/x`)).body?.value, 7);
      assert.equal(db.value('x'), 7);
    } finally {
      await db.close();
    }
  });
});
