import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BroadcastMeasurements,
  type ClientGroup,
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
  spanMs: 4000,
  redisRoundTrips: trips,
});

const group = (name: string, clients: number, over: Partial<ClientGroup> = {}): ClientGroup => ({
  name,
  clients,
  missed: 0,
  duplicated: 0,
  outOfOrder: 0,
  resets: 0,
  ...over,
});

const broadcast = (over: Partial<BroadcastMeasurements> = {}): BroadcastMeasurements => ({
  replicas: ['r1', 'r2', 'r3'],
  clientsPerReplica: 20,
  batch: 50,
  publishedOn: ['r1', 'r1', 'r2'],
  streamEntries: 150,
  receivedFirstBatch: 60,
  killed: 'r3',
  moved: { reconnected: 20, withLastEventId: 20, to: { r1: 10, r2: 10 } },
  groups: [group('stayed', 40), group('moved', 20)],
  ...over,
});

const run = (over: Partial<ReplicasMeasurements> = {}): ReplicasMeasurements => ({
  replicas: 3,
  callersPerReplica: 8,
  durationMs: 4000,
  quota: { rate: 100, burst: 20 },
  limiter: { rate: 100, burst: 10 },
  limiters: [limiterRun('own', 1240, 820, 0), limiterRun('shared', 400, 0, 450)],
  broadcast: broadcast(),
  ...over,
});

describe('replicasConclusions', () => {
  it('states the overrun, the held quota and the round trips from the numbers', () => {
    const m = run();
    assert.equal(quotaAllows(m, m.limiters[1]!), 420);
    const c = replicasConclusions(m);
    assert.deepEqual(
      c.map((x) => x.ok),
      [true, true, true, true, true, true],
    );
    assert.match(
      c[0]!.text,
      /sent 1240 calls in 4\.00 s \(3\.1x the quota\): the API answered 429 to 820 of them \(66%\)/,
    );
    assert.match(
      c[1]!.text,
      /^shared: 1240 → 400 calls, 0 429s \(0%\); the quota allows 420 in the 4\.00 s they took/,
    );
    assert.match(
      c[2]!.text,
      /took 450 Redis round trips for 400 calls: one per wait, no polling \(at most 454 for 24 callers/,
    );
  });

  it('states what the SSE clients received, and where the killed replica’s clients went', () => {
    const c = replicasConclusions(run());
    assert.equal(
      c[3]!.text,
      "50 events published on r1 reached 60 of the 60 clients connected to the 3 replicas, in the stream's order and under its ids.",
    );
    assert.equal(
      c[4]!.text,
      'After kill -9 r3, 20 of its 20 clients reconnected (10 to r1, 10 to r2), 20 requests carrying Last-Event-ID, and got the 50 events published while they were away: 0 events missed, 0 duplicated, 0 resets.',
    );
    assert.match(
      c[5]!.text,
      /^Every client saw the stream's 150 events \(150 published\) in its order: 0 missed, 0 duplicated, 0 clients out of order\.$/,
    );
    assert.deepEqual(replicasTables(run())[1]!.rows[1], ['moved', '20', '150', '0', '0', '0', '0']);
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
    {
      name: 'a client missed the first batch',
      m: run({ broadcast: broadcast({ receivedFirstBatch: 59 }) }),
      index: 3,
    },
    {
      name: 'a moved client did not reconnect',
      m: run({
        broadcast: broadcast({ moved: { reconnected: 19, withLastEventId: 19, to: { r1: 10, r2: 9 } } }),
      }),
      index: 4,
    },
    {
      name: 'the reconnects carried no Last-Event-ID',
      m: run({
        broadcast: broadcast({ moved: { reconnected: 20, withLastEventId: 0, to: { r1: 10, r2: 10 } } }),
      }),
      index: 4,
    },
    {
      name: 'a client of the replicas that stayed up got an event twice',
      m: run({
        broadcast: broadcast({ groups: [group('stayed', 40, { duplicated: 1 }), group('moved', 20)] }),
      }),
      index: 5,
    },
    {
      name: 'the stream holds fewer entries than were published',
      m: run({ broadcast: broadcast({ streamEntries: 149 }) }),
      index: 5,
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
