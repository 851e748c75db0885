import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerPoolMeasurements } from '../sections/s1-conclusions.js';
import type { FanOutMeasurements } from '../sections/s2-conclusions.js';
import type { SectionResult } from '../sections/types.js';
import { TALK_PLAN, TALK_TIME, backupSlides } from './talk.js';

const result = (section: number, measurements: unknown, oks: boolean[] = []): SectionResult => ({
  section,
  title: `section ${section}`,
  measurements,
  tables: [],
  timelines: [],
  conclusions: oks.map((ok, i) => ({ ok, text: `c${i}` })),
});

const pools: WorkerPoolMeasurements = {
  deployments: 200,
  concurrency: 20,
  capacity: { workers: 20, maxQueue: 40 },
  strategies: [
    {
      name: 'unbounded',
      wallMs: 300,
      ok: 150,
      failed: 50,
      errors: {},
      servicePeakInFlight: 61,
      heapPeakBytes: 3 * 2 ** 20,
    },
    {
      name: 'batches',
      wallMs: 310,
      ok: 200,
      failed: 0,
      errors: {},
      servicePeakInFlight: 20,
      heapPeakBytes: 2048,
    },
    {
      name: 'map',
      wallMs: 150,
      ok: 200,
      failed: 0,
      errors: {},
      servicePeakInFlight: 20,
      heapPeakBytes: 4096,
    },
  ],
  ideal: { makespanMs: 110, sumServiceMs: 2200, maxServiceMs: 40 },
  split: { items: 50, workers: 16, handRolledProcessed: 48, goscaleProcessed: 50 },
};

describe('the talk plan', () => {
  it('has the guide’s parts in order with their budgets, 25 minutes in all, aiming at 22–23', () => {
    assert.deepEqual(
      TALK_PLAN.map((p) => [p.id, p.minutes]),
      [
        ['intro', 2],
        ['s1', 6],
        ['s2', 5],
        ['s3', 4],
        ['s4', 4],
        ['s5', 3],
        ['conclusion', 1],
      ],
    );
    assert.equal(
      TALK_PLAN.reduce((a, p) => a + p.minutes, 0),
      TALK_TIME.slot,
    );
    assert.deepEqual(TALK_TIME.aim, [22, 23]);
  });
});

describe('backupSlides', () => {
  it('shows no number before any run, and says which section would measure it', () => {
    const slides = backupSlides(new Map());
    assert.deepEqual(
      slides.map((s) => [s.id, s.facts.length, s.missing]),
      [
        ['errgroup', 0, [2, 5]],
        ['memory', 0, [1]],
        ['testing', 0, [3]],
        ['batch-size', 0, [1, 3]],
        ['channels', 0, [2]],
      ],
    );
  });

  it('answers with the numbers of the runs it was given, formatted as the tables are', () => {
    const slides = backupSlides(new Map([[1, result(1, pools, [true, false, true])]]));
    const memory = slides.find((s) => s.id === 'memory')!;
    assert.deepEqual(memory.missing, []);
    assert.deepEqual(
      memory.facts.map((f) => f.value),
      [
        '3.0 MiB (61 in flight at the API)',
        '2 KiB (20 in flight at the API)',
        '4 KiB (20 in flight at the API)',
      ],
    );
    const batch = slides.find((s) => s.id === 'batch-size')!;
    assert.deepEqual(batch.missing, [3]);
    assert.deepEqual(
      batch.facts.map((f) => `${f.label}: ${f.value}`),
      ['batches: 310 ms, 0 failed', 'map: 150 ms, 0 failed', 'ideal makespan bound: 110 ms'],
    );
    const testing = slides.find((s) => s.id === 'testing')!;
    assert.deepEqual(testing.facts, [
      { section: 0, label: 'conclusions checked against this run', value: '2 of 3 backed' },
    ]);
  });

  it('tells a hand-rolled fan-in that waited from one that finished', () => {
    const fan = {
      sources: [],
      sequentialMs: 500,
      fanOutMs: 200,
      slowestSourceMs: 190,
      deadline: { hung: 'x', deadlineMs: 150, wallMs: 152, onTime: [], timedOut: [], heldAtSourceAfter: 0 },
      handRolled: { watchdogMs: 600, expected: 5, received: 4, finished: false },
      merged: { wallMs: 155, received: 4, expected: 5, producerTimeoutMs: 150 },
    } satisfies FanOutMeasurements;
    const channels = (m: FanOutMeasurements) =>
      backupSlides(new Map([[2, result(2, m)]]))
        .find((s) => s.id === 'channels')!
        .facts.map((f) => f.value);
    assert.deepEqual(channels(fan), ['still waiting after 600 ms, 4/5', 'finished in 155 ms, 4/5']);
    assert.deepEqual(
      channels({ ...fan, handRolled: { ...fan.handRolled, finished: true, received: 5 } })[0],
      'finished, 5/5',
    );
  });
});
