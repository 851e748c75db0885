import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  quotaAllows,
  replicasConclusions,
  replicasTables,
  type ReplicaLimiterRun,
  type ReplicasMeasurements,
} from './s6-conclusions.js';

const limiterRun = (name: string, sent: number, rejected: number, trips: number): ReplicaLimiterRun => ({
  name,
  perReplica: [sent / 2, sent / 4, sent / 4],
  sent,
  accepted: sent - rejected,
  rejected,
  peakPerSecond: Math.min(sent, 120),
  redisRoundTrips: trips,
});

const run = (over: Partial<ReplicasMeasurements> = {}): ReplicasMeasurements => ({
  replicas: 3,
  callersPerReplica: 8,
  durationMs: 4000,
  quota: { rate: 100, burst: 20 },
  limiter: { rate: 100, burst: 10 },
  limiters: [limiterRun('own', 1240, 820, 0), limiterRun('shared', 400, 0, 450)],
  ...over,
});

describe('replicasConclusions', () => {
  it('states the overrun, the held quota and the round trips from the numbers', () => {
    const m = run();
    assert.equal(quotaAllows(m), 420);
    const c = replicasConclusions(m);
    assert.deepEqual(
      c.map((x) => x.ok),
      [true, true, true],
    );
    assert.match(
      c[0]!.text,
      /sent 1240 calls in 4\.00 s \(3\.1x the quota\): the API answered 429 to 820 of them \(66%\)/,
    );
    assert.match(c[1]!.text, /^shared: 1240 → 400 calls, 0 429s \(0%\); the quota allows 420 in 4\.00 s/);
    assert.match(
      c[2]!.text,
      /took 450 Redis round trips for 400 calls: one per wait, no polling \(at most 454 for 24 callers/,
    );
  });

  const flips: Array<{ name: string; m: ReplicasMeasurements; index: number }> = [
    {
      name: 'the per-process limiters got no 429',
      m: run({ limiters: [limiterRun('own', 1240, 0, 0), limiterRun('shared', 400, 0, 450)] }),
      index: 0,
    },
    {
      name: 'the per-process limiters sent no more than the quota',
      m: run({ limiters: [limiterRun('own', 560, 140, 0), limiterRun('shared', 400, 0, 450)] }),
      index: 0,
    },
    {
      name: 'the shared bucket got more than 1% refused',
      m: run({ limiters: [limiterRun('own', 1240, 820, 0), limiterRun('shared', 400, 5, 450)] }),
      index: 1,
    },
    {
      name: 'the shared bucket sent more than the quota allows',
      m: run({ limiters: [limiterRun('own', 1240, 820, 0), limiterRun('shared', 421, 0, 450)] }),
      index: 1,
    },
    {
      name: 'the shared bucket polled Redis',
      m: run({ limiters: [limiterRun('own', 1240, 820, 0), limiterRun('shared', 400, 0, 455)] }),
      index: 2,
    },
  ];
  for (const { name, m, index } of flips) {
    it(`marks conclusion ${index + 1} as not backed when ${name}`, () => {
      const c = replicasConclusions(m);
      assert.equal(c[index]!.ok, false);
      assert.equal(c.filter((x) => !x.ok).length, 1);
    });
  }

  it('tabulates each strategy with its calls per replica and per second', () => {
    const [table] = replicasTables(run());
    assert.deepEqual(table!.rows[1], ['shared', '400', '200 / 100 / 100', '100', '400', '0', '120', '1.13']);
  });
});
