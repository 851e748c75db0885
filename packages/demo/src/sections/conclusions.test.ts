import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  workerPoolConclusions,
  type WorkerPoolMeasurements,
  type WorkerPoolStrategy,
} from './s1-conclusions.js';
import { fanOutConclusions, type FanOutMeasurements } from './s2-conclusions.js';
import {
  TALK_RATIO,
  rateLimitConclusions,
  type RateLimitMeasurements,
  type RateLimitStrategy,
} from './s3-conclusions.js';
import { shutdownConclusions, type ShutdownMeasurements } from './s4-conclusions.js';
import {
  caseStudyConclusions,
  type CaseStudyMeasurements,
  type CaseStudyStrategy,
} from './s5-conclusions.js';

const poolStrategy = (
  name: string,
  wallMs: number,
  failed: number,
  peak: number,
  heap = 1e6,
): WorkerPoolStrategy => ({
  name,
  wallMs,
  ok: 1000 - failed,
  failed,
  errors: failed ? { '503': failed } : {},
  servicePeakInFlight: peak,
  heapPeakBytes: heap,
});
const workerPoolRun = (over: Partial<WorkerPoolMeasurements> = {}): WorkerPoolMeasurements => ({
  deployments: 1000,
  concurrency: 20,
  capacity: { workers: 20, maxQueue: 100 },
  strategies: [
    poolStrategy('unbounded', 300, 880, 1000, 9e6),
    poolStrategy('batches', 3100, 0, 20),
    poolStrategy('map', 1000, 0, 20, 2e6),
  ],
  ideal: { makespanMs: 900, sumServiceMs: 18000, maxServiceMs: 90 },
  split: { items: 250, workers: 16, handRolledProcessed: 240, goscaleProcessed: 250 },
  ...over,
});

describe('workerPoolConclusions', () => {
  it('states the crash, the speed-up over batches and the lost items from the numbers', () => {
    const c = workerPoolConclusions(workerPoolRun());
    assert.ok(c.every((x) => x.ok));
    assert.match(c[0]!.text, /lost 880 of 1000 deployments/);
    assert.match(c[1]!.text, /3\.1x faster than fixed batches/);
    assert.match(c[4]!.text, /^Supported: from 880 failed deployments to all 1000 deployed in 1\.00 s/);
    assert.match(c[6]!.text, /lost 10 items \(250 mod 16 = 10\), silently; goscale map lost 0/);
  });

  const flips: Array<{ name: string; m: WorkerPoolMeasurements; index: number; pattern: RegExp }> = [
    {
      name: 'unbounded did not fail',
      m: workerPoolRun({
        strategies: [
          poolStrategy('u', 300, 0, 120),
          poolStrategy('b', 3100, 0, 20),
          poolStrategy('m', 1000, 0, 20),
        ],
      }),
      index: 0,
      pattern: /did not fail this time/,
    },
    {
      name: 'map slower than batches',
      m: workerPoolRun({
        strategies: [
          poolStrategy('u', 300, 880, 1000),
          poolStrategy('b', 1000, 0, 20),
          poolStrategy('m', 1400, 0, 20),
        ],
      }),
      index: 1,
      pattern: /1\.4x slower than fixed batches/,
    },
    {
      name: 'map took 2.5 s',
      m: workerPoolRun({
        strategies: [
          poolStrategy('u', 300, 880, 1000),
          poolStrategy('b', 5000, 0, 20),
          poolStrategy('m', 2500, 0, 20),
        ],
      }),
      index: 4,
      pattern: /^Not supported by this run/,
    },
    {
      name: 'map exceeded its limit',
      m: workerPoolRun({
        strategies: [
          poolStrategy('u', 300, 880, 1000),
          poolStrategy('b', 3100, 0, 20),
          poolStrategy('m', 1000, 0, 21),
        ],
      }),
      index: 3,
      pattern: /21 deployments/,
    },
    {
      name: 'goscale lost an item',
      m: workerPoolRun({
        split: { items: 250, workers: 16, handRolledProcessed: 240, goscaleProcessed: 249 },
      }),
      index: 6,
      pattern: /goscale map lost 1\./,
    },
  ];
  for (const { name, m, index, pattern } of flips) {
    it(`marks conclusion ${index + 1} as not backed when ${name}`, () => {
      const c = workerPoolConclusions(m)[index]!;
      assert.equal(c.ok, false);
      assert.match(c.text, pattern);
    });
  }
});

const fanOutRun = (over: Partial<FanOutMeasurements> = {}): FanOutMeasurements => ({
  sources: [
    { name: 'ci', medianMs: 140 },
    { name: 'imageScan', medianMs: 220 },
  ],
  sequentialMs: 560,
  fanOutMs: 230,
  slowestSourceMs: 225,
  deadline: {
    hung: 'imageScan',
    deadlineMs: 300,
    wallMs: 305,
    onTime: ['ci'],
    timedOut: ['imageScan'],
    heldAtSourceAfter: 0,
  },
  handRolled: { watchdogMs: 1500, expected: 2, received: 1, finished: false },
  merged: { wallMs: 310, received: 1, expected: 2, producerTimeoutMs: 300 },
  ...over,
});

describe('fanOutConclusions', () => {
  it('compares fan-out with the slowest source and with sequential, and checks the 40% claim', () => {
    const c = fanOutConclusions(fanOutRun());
    assert.ok(c.every((x) => x.ok));
    assert.match(c[1]!.text, /^Supported: fan-out took 59% less time/);
    assert.match(c[4]!.text, /still waiting after 1\.50 s with 1 of 2 results/);
  });

  it('says the 40% claim is not supported when fan-out saved less', () => {
    const c = fanOutConclusions(fanOutRun({ sequentialMs: 300, fanOutMs: 230 }));
    assert.equal(c[1]!.ok, false);
    assert.match(c[1]!.text, /^Not supported by this run: fan-out took 23% less time/);
  });

  it('flags a late deadline, a request left hanging and a fan-in that finished', () => {
    const c = fanOutConclusions(
      fanOutRun({
        deadline: { ...fanOutRun().deadline, wallMs: 900, heldAtSourceAfter: 1 },
        handRolled: { watchdogMs: 1500, expected: 2, received: 2, finished: true },
      }),
    );
    assert.deepEqual(
      c.map((x) => x.ok),
      [true, true, false, false, false, true],
    );
    const slowMerge = fanOutConclusions(
      fanOutRun({ merged: { wallMs: 2000, received: 1, expected: 2, producerTimeoutMs: 300 } }),
    );
    assert.equal(slowMerge[5]!.ok, false);
    assert.match(slowMerge[5]!.text, /finished after 2\.00 s with 1 of 2 results/);
    assert.match(c[2]!.text, /\(late\)/);
  });
});

const queryStrategy = (name: string, wallMs: number, failed: number, peak: number): RateLimitStrategy => ({
  name,
  wallMs,
  ok: 1000 - failed,
  failed,
  errors: failed ? { '503': failed } : {},
  servicePeakInFlight: peak,
});
const rateLimitRun = (strategies: RateLimitStrategy[], racyFinal = 3): RateLimitMeasurements => ({
  queries: 1000,
  model: { knee: 10, medianMs: 10, statementTimeoutMs: 2000 },
  strategies,
  race: { increments: 100, racyFinal, mutexFinal: 100 },
});

describe('rateLimitConclusions', () => {
  it('backs "10s -> 1.5s" only when the measured ratio reaches the talk ratio', () => {
    const yes = rateLimitConclusions(
      rateLimitRun([
        queryStrategy('u', 10_000, 0, 900),
        queryStrategy('l', 1500, 0, 9),
        queryStrategy('c', 1400, 0, 10),
      ]),
    );
    assert.ok(yes.every((x) => x.ok));
    assert.match(yes[3]!.text, /^Supported: 10\.00 s -> 1\.40 s \(7\.1x/);
    const no = rateLimitConclusions(
      rateLimitRun([
        queryStrategy('u', 2500, 600, 900),
        queryStrategy('l', 2000, 0, 25),
        queryStrategy('c', 1100, 0, 10),
      ]),
    );
    assert.equal(no[3]!.ok, false);
    assert.match(
      no[3]!.text,
      /^Not supported by this run: 2\.50 s -> 1\.10 s \(2\.3x; the talk's numbers are 6\.7x\), and the unthrottled run also lost 600 queries/,
    );
    assert.ok(TALK_RATIO > 6.6 && TALK_RATIO < 6.7);
  });

  it('states how close the adaptive row came to the concurrency cap, from the numbers', () => {
    const adaptive = { ...queryStrategy('goscale adaptive', 1500, 0, 18), finalLimit: 17 };
    const close = rateLimitConclusions(
      rateLimitRun([
        queryStrategy('u', 10_000, 0, 900),
        queryStrategy('l', 2000, 0, 9),
        queryStrategy('c', 1400, 0, 10),
        adaptive,
      ]),
    );
    assert.equal(close.length, 6);
    assert.equal(close[5]!.ok, true);
    assert.match(
      close[5]!.text,
      /^goscale adaptive, told nothing about the knee, settled at a limit of 17 \(knee 10\) with 0 errors and 93% of the throughput of c \(1\.50 s against 1\.40 s\)\.$/,
    );
    const far = rateLimitConclusions(
      rateLimitRun([
        queryStrategy('u', 10_000, 0, 900),
        queryStrategy('l', 2000, 0, 9),
        queryStrategy('c', 1400, 0, 10),
        queryStrategy('a', 2000, 0, 30),
      ]),
    );
    assert.equal(far[5]!.ok, false);
    assert.match(far[5]!.text, /70% of the throughput/);
    const failing = rateLimitConclusions(
      rateLimitRun([
        queryStrategy('u', 10_000, 0, 900),
        queryStrategy('l', 2000, 0, 9),
        queryStrategy('c', 1400, 0, 10),
        queryStrategy('a', 1400, 3, 30),
      ]),
    );
    assert.equal(failing[5]!.ok, false);
  });

  it('counts lost updates and flags a Limiter run that failed', () => {
    const c = rateLimitConclusions(
      rateLimitRun(
        [
          queryStrategy('u', 2500, 600, 900),
          queryStrategy('l', 2000, 5, 80),
          queryStrategy('c', 1100, 0, 10),
        ],
        100,
      ),
    );
    assert.equal(c[1]!.ok, false);
    assert.equal(c[4]!.ok, false);
    assert.match(c[4]!.text, /lost 0 updates of 100/);
  });
});

const shutdownRun = (over: Partial<ShutdownMeasurements> = {}): ShutdownMeasurements => ({
  sigtermAtMs: 400,
  drainMs: 700,
  longestRequestMs: 1000,
  exitCode: 0,
  sse: { subscribers: 50, gotFinalEvent: 50 },
  inFlight: { sent: 30, completed: 30 },
  load: { completed: 60, failed: 0 },
  newConnections: { attempts: 20, refused: 20 },
  hangUps: { sent: 10, cancelledAtBackend: 10 },
  backend: { backendStarted: 100, backendCompleted: 90, backendCancelled: 10, published: 8 },
  ...over,
});

describe('shutdownConclusions', () => {
  it('says nothing was lost only when every count matches', () => {
    assert.ok(shutdownConclusions(shutdownRun()).every((c) => c.ok));
    assert.match(shutdownConclusions(shutdownRun()).at(-1)!.text, /^Nothing lost/);
    const bad: Array<Partial<ShutdownMeasurements>> = [
      { inFlight: { sent: 30, completed: 29 } },
      { newConnections: { attempts: 20, refused: 19 } },
      { sse: { subscribers: 50, gotFinalEvent: 49 } },
      { hangUps: { sent: 10, cancelledAtBackend: 9 } },
      { exitCode: 1 },
    ];
    bad.forEach((over, i) => {
      const c = shutdownConclusions(shutdownRun(over));
      assert.equal(c[i]!.ok, false, `check ${i}`);
      assert.equal(c.at(-1)!.ok, false);
      assert.match(c.at(-1)!.text, /^Something was lost/);
    });
  });
});

const checkStrategy = (name: string, wallMs: number, throttled = 0): CaseStudyStrategy => ({
  name,
  wallMs,
  tally: { hibernatable: 80, hibernated: 24, owned: 30, 'not-scalable': 9, excluded: 7 },
  requests: 150 + throttled,
  throttled,
  servicePeakInFlight: 20,
});

const caseStudyRun = (): CaseStudyMeasurements => ({
  workloads: 150,
  api: { qps: 400, burst: 40, listCalls: 20 },
  strategies: [checkStrategy('seq', 4000), checkStrategy('b5', 1200), checkStrategy('gs', 400)],
  tool: { ...checkStrategy('goscale-hibernate check -A', 60), requests: 5 },
  verdictsIdentical: true,
});

describe('caseStudyConclusions', () => {
  it('backs the 10x claim at 10x and not below, and reports disagreeing verdicts', () => {
    const base = caseStudyRun();
    assert.ok(caseStudyConclusions(base).every((c) => c.ok));
    assert.match(caseStudyConclusions(base)[3]!.text, /^Supported: 10x faster than sequential/);
    const slower = caseStudyConclusions({
      ...base,
      strategies: [checkStrategy('seq', 4000), checkStrategy('b5', 1200), checkStrategy('gs', 500, 3)],
    });
    assert.equal(slower[3]!.ok, false);
    assert.match(slower[3]!.text, /^Not supported by this run: 8\.0x/);
    assert.equal(slower[2]!.ok, false);
    assert.equal(caseStudyConclusions({ ...base, verdictsIdentical: false })[0]!.ok, false);
  });

  it('backs the runner only when it needed fewer requests than reading each workload, without a 429', () => {
    const base = caseStudyRun();
    const [ok] = caseStudyConclusions(base).slice(-1);
    assert.equal(ok!.ok, true);
    assert.match(
      ok!.text,
      /in 5 requests \(discovery and list pages\) instead of 20 lists and 150 reads, in 60 ms: 6\.7x faster/,
    );
    const costly = { ...base, tool: { ...base.tool, requests: 150 } };
    assert.equal(caseStudyConclusions(costly).at(-1)!.ok, false);
    const throttled = { ...base, tool: { ...base.tool, throttled: 2 } };
    assert.equal(caseStudyConclusions(throttled).at(-1)!.ok, false);
    assert.match(caseStudyConclusions(throttled).at(-1)!.text, /but with 2 429s/);
    const missing = { ...base, tool: { ...base.tool, tally: { ...base.tool.tally, excluded: 6 } } };
    assert.equal(caseStudyConclusions(missing)[0]!.ok, false);
  });
});
