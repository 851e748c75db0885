import { VERDICTS, judge, type Verdict } from '@goscale/hibernate';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agent } from '../lib/client.js';
import { makeWorkloads } from '../services/kube-api.js';
import { SECTIONS, runSection } from './index.js';
import { workerPoolConclusions, workerPoolTables, type WorkerPoolMeasurements } from './s1-conclusions.js';
import { fanOutConclusions, fanOutTables, type FanOutMeasurements } from './s2-conclusions.js';
import { rateLimitConclusions, rateLimitTables, type RateLimitMeasurements } from './s3-conclusions.js';
import { shutdownConclusions, shutdownTables, type ShutdownMeasurements } from './s4-conclusions.js';
import { caseStudyConclusions, caseStudyTables, type CaseStudyMeasurements } from './s5-conclusions.js';
import type { SectionResult } from './types.js';

after(() => agent.destroy());

const opts = { seed: 42, quick: true };

/** The printed conclusions and tables are exactly what the pure functions give for the measured numbers. */
function assertDerived<M>(r: SectionResult, conclude: (m: M) => unknown, tables: (m: M) => unknown): M {
  const m = JSON.parse(JSON.stringify(r.measurements)) as M;
  assert.deepEqual(r.conclusions, conclude(m));
  assert.deepEqual(r.tables, tables(m));
  assert.ok(r.conclusions.length > 0);
  return m;
}

describe('runSection --quick', () => {
  it('section 1: every item accounted for, goscale map within its limit and losing nothing', async () => {
    const texts: string[] = [];
    const r = await runSection(1, { ...opts, progress: (text) => texts.push(text) });
    assert.equal(r.title, SECTIONS[1]!.title);
    assert.ok(texts.length > 0);
    for (const text of texts) assert.ok(text.startsWith(`1. ${SECTIONS[1]!.title} · `), text);
    const m = assertDerived<WorkerPoolMeasurements>(r, workerPoolConclusions, workerPoolTables);
    for (const s of m.strategies) assert.equal(s.ok + s.failed, m.deployments, s.name);
    const [, batches, pool] = m.strategies;
    assert.equal(pool!.failed, 0);
    assert.ok(pool!.servicePeakInFlight <= m.concurrency);
    assert.ok(batches!.servicePeakInFlight <= m.concurrency);
    assert.equal(m.split.goscaleProcessed, m.split.items);
    assert.equal(m.split.items - m.split.handRolledProcessed, m.split.items % m.split.workers);
    assert.equal(r.timelines.length, 3);
    assert.equal(r.timelines[2]!.bars.length, m.deployments);
  });

  it('section 2: the deadline gives partial results and the hand-rolled fan-in never finishes', async () => {
    const r = await runSection(2, opts);
    const m = assertDerived<FanOutMeasurements>(r, fanOutConclusions, fanOutTables);
    assert.ok(m.fanOutMs < m.sequentialMs);
    assert.deepEqual(m.deadline.timedOut, [m.deadline.hung]);
    assert.equal(m.deadline.heldAtSourceAfter, 0);
    assert.equal(m.handRolled.finished, false);
    assert.equal(m.handRolled.received, m.handRolled.expected - 1);
    assert.equal(m.merged.received, m.merged.expected - 1);
  });

  it('section 3: the capped strategies never fail and the mutex loses no update', async () => {
    const r = await runSection(3, opts);
    const m = assertDerived<RateLimitMeasurements>(r, rateLimitConclusions, rateLimitTables);
    const [, limiter, cap, adaptive] = m.strategies;
    assert.equal(cap!.failed, 0);
    // The adaptive row: every query accounted for, none timed out, and its limit over time is in the timeline.
    assert.equal(adaptive!.ok + adaptive!.failed, m.queries);
    assert.equal(adaptive!.failed, 0);
    assert.ok(r.timelines[3]!.limits!.length > 1);
    assert.equal(adaptive!.finalLimit, r.timelines[3]!.limits!.at(-1)!.limit);
    assert.ok(cap!.servicePeakInFlight <= m.model.knee);
    assert.equal(limiter!.ok + limiter!.failed, m.queries);
    assert.equal(m.race.mutexFinal, m.race.increments);
    assert.ok(m.race.racyFinal < m.race.increments);
  });

  it('section 4: SIGTERM loses nothing', async () => {
    const r = await runSection(4, opts);
    const m = assertDerived<ShutdownMeasurements>(r, shutdownConclusions, shutdownTables);
    assert.equal(m.exitCode, 0);
    assert.equal(m.inFlight.completed, m.inFlight.sent);
    assert.equal(m.sse.gotFinalEvent, m.sse.subscribers);
    assert.equal(m.newConnections.refused, m.newConnections.attempts);
    assert.equal(m.hangUps.cancelledAtBackend, m.hangUps.sent);
    assert.equal(m.load.failed, 0);
  });

  it('section 5: identical verdicts from every strategy, every workload counted once', async () => {
    const r = await runSection(5, opts);
    const m = assertDerived<CaseStudyMeasurements>(r, caseStudyConclusions, caseStudyTables);
    assert.equal(m.verdictsIdentical, true);
    // The seed fixes the cluster, so the tally is known before any request: every strategy and the tool's runner
    // must arrive at what @goscale/hibernate's judge says of the objects themselves.
    const want = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    for (const w of makeWorkloads(opts.seed, m.workloads)) want[judge(w).verdict]++;
    for (const s of [...m.strategies, m.tool]) assert.deepEqual(s.tally, want, s.name);
    // The cluster holds every verdict but excluded-by-namespace ones, so a tally cannot agree by being all zeros.
    for (const v of ['hibernatable', 'hibernated', 'owned', 'not-scalable', 'excluded'] as const)
      assert.ok(want[v] > 0, v);
    // The runner lists (discovery and one page per kind): fewer requests than reading each workload.
    assert.ok(m.tool.requests < m.workloads, `tool requests: ${m.tool.requests}`);
  });

  it('rejects a section number that does not exist', async () => {
    await assert.rejects(runSection(99, opts), { name: 'RangeError', message: /from 1 to 6, got `99`/ });
  });
});
