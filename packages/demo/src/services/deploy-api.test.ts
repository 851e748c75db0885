import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agent, call } from '../lib/client.js';
import { startDeployApi } from './deploy-api.js';

after(() => agent.destroy());

describe('deployment API', () => {
  it('accepts up to workers + maxQueue requests at once and answers 503 to the rest at once', async () => {
    // sigma 0 and a long service time: nothing finishes while the burst arrives, so the counts are exact.
    const api = await startDeployApi({ seed: 1, workers: 4, maxQueue: 6, medianMs: 150, sigma: 0 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 14 }, (_, i) => call(`${api.url}/deployments/${i}`, { method: 'POST' })),
      );
      const statuses = replies.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 202).length, 10);
      assert.equal(statuses.filter((s) => s === 503).length, 4);
      const stats = api.stats();
      assert.deepEqual({ accepted: stats.accepted, rejected: stats.rejected }, { accepted: 10, rejected: 4 });
      // Rejected requests leave at once, so the peak is between the 10 held and all 14.
      assert.ok(stats.peakInFlight >= 10 && stats.peakInFlight <= 14, `peak = ${stats.peakInFlight}`);
    } finally {
      await api.close();
    }
  });

  it('slows its workers while requests queue and reports the service time it used', async () => {
    const api = await startDeployApi({ seed: 1, workers: 1, maxQueue: 4, medianMs: 40, sigma: 0 });
    try {
      const alone = await call(`${api.url}/deployments/1`, { method: 'POST' });
      assert.equal(Number(alone.headers['x-service-ms']), 40);
      const burst = await Promise.all(
        Array.from({ length: 3 }, (_, i) => call(`${api.url}/deployments/${i}`, { method: 'POST' })),
      );
      // The first started before the others arrived (x1), the second while one waited (1 + 3 * 1/4), the last alone.
      assert.deepEqual(
        burst.map((r) => Number(r.headers['x-service-ms'])),
        [40, 70, 40],
      );
    } finally {
      await api.close();
    }
  });

  it('answers 503 to a request that waited longer than the queue timeout', async () => {
    const api = await startDeployApi({
      seed: 1,
      workers: 1,
      maxQueue: 10,
      queueTimeoutMs: 30,
      medianMs: 200,
      sigma: 0,
    });
    try {
      const [first, second] = await Promise.all([
        call(`${api.url}/deployments/1`, { method: 'POST' }),
        call(`${api.url}/deployments/2`, { method: 'POST' }),
      ]);
      assert.equal(first.status, 202);
      assert.equal(second.status, 503);
      assert.match(String((second.body as { error: string }).error), /queue timeout/);
    } finally {
      await api.close();
    }
  });

  it('draws each deployment its own seeded service time, the same for the same seed', async () => {
    const a = await startDeployApi({ seed: 9 });
    const b = await startDeployApi({ seed: 9 });
    try {
      const times = Array.from({ length: 50 }, (_, i) => a.baseServiceMs(i));
      assert.deepEqual(
        Array.from({ length: 50 }, (_, i) => b.baseServiceMs(i)),
        times,
      );
      assert.ok(new Set(times).size === 50);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
