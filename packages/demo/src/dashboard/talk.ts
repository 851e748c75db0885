/**
 * @module The talk's plan (parts, order, minutes) and its backup slides: the guide's prepared questions, answered
 * with what this server's runs measured.
 */
import { fmtBytes, fmtMs } from '../lib/format.js';
import type { WorkerPoolMeasurements } from '../sections/s1-conclusions.js';
import type { FanOutMeasurements } from '../sections/s2-conclusions.js';
import type { RateLimitMeasurements } from '../sections/s3-conclusions.js';
import type { CaseStudyMeasurements } from '../sections/s5-conclusions.js';
import type { SectionResult } from '../sections/types.js';
import type { BackupSlide } from './protocol.js';

/** One part of the talk: a demo section (by number) or a slide of its own, with its time budget. */
export interface TalkPart {
  id: string;
  title: string;
  minutes: number;
  section?: number;
}

/** The talk's parts in order, with the guide's budgets (25 minutes in all). */
export const TALK_PLAN: readonly TalkPart[] = [
  { id: 'intro', title: 'Introduction', minutes: 2 },
  { id: 's1', title: 'Worker pools', minutes: 6, section: 1 },
  { id: 's2', title: 'Fan-out/fan-in', minutes: 5, section: 2 },
  { id: 's3', title: 'Rate limiting', minutes: 4, section: 3 },
  { id: 's4', title: 'Graceful shutdown', minutes: 4, section: 4 },
  { id: 's5', title: 'Case study', minutes: 3, section: 5 },
  { id: 'conclusion', title: 'Conclusion', minutes: 1 },
];

/** The whole talk: aim to finish within `aim` minutes, leaving the rest of the `slot` for questions. */
export const TALK_TIME = { aim: [22, 23] as const, slot: 25 };

type Facts = BackupSlide['facts'];

/** Reads a section's measurements if it ran; the page never shows a number from a run that did not happen. */
function measured<M>(results: ReadonlyMap<number, SectionResult>, section: number): M | undefined {
  return results.get(section)?.measurements as M | undefined;
}

function slide(
  id: string,
  question: string,
  answer: string,
  needs: number[],
  results: ReadonlyMap<number, SectionResult>,
  facts: Facts,
): BackupSlide {
  return { id, question, answer, facts, missing: needs.filter((n) => !results.has(n)) };
}

/**
 * The guide's five prepared questions as slides, each with the numbers this server has measured towards its answer
 * (none are invented: a fact appears only once the section that measures it has run).
 * @param results - the latest result of each section that ran, by section number.
 * @returns the slides, in the guide's order.
 * @example
 * ```ts
 * backupSlides(new Map([[1, await runSection(1, { seed: 42, quick: true })]]))[1].facts;
 * ```
 */
export function backupSlides(results: ReadonlyMap<number, SectionResult>): BackupSlide[] {
  const pools = measured<WorkerPoolMeasurements>(results, 1);
  const fan = measured<FanOutMeasurements>(results, 2);
  const rate = measured<RateLimitMeasurements>(results, 3);
  const study = measured<CaseStudyMeasurements>(results, 5);
  const all = [...results.values()].flatMap((r) => r.conclusions);

  const errgroup: Facts = [];
  if (fan) {
    errgroup.push({
      section: 2,
      label: 'fan-out over Group vs sequential',
      value: `${fmtMs(fan.fanOutMs)} vs ${fmtMs(fan.sequentialMs)}`,
    });
  }
  const groupRun = study?.strategies.find((s) => s.name.startsWith('goscale Group'));
  if (study && groupRun) {
    errgroup.push({
      section: 5,
      label: `${groupRun.name} vs sequential`,
      value: `${fmtMs(groupRun.wallMs)} vs ${fmtMs(study.strategies[0]!.wallMs)}`,
    });
  }

  const memory: Facts = (pools?.strategies ?? []).map((s) => ({
    section: 1,
    label: `peak heap, ${s.name}`,
    value: `${fmtBytes(s.heapPeakBytes)} (${s.servicePeakInFlight} in flight at the API)`,
  }));

  const testing: Facts = [];
  if (rate) {
    testing.push({
      section: 3,
      label: `${rate.race.increments} read-await-write increments, lost`,
      value: `${rate.race.increments - rate.race.racyFinal} racy, ${rate.race.increments - rate.race.mutexFinal} inside Mutex.withLock`,
    });
  }
  if (all.length > 0) {
    testing.push({
      section: 0,
      label: 'conclusions checked against this run',
      value: `${all.filter((c) => c.ok).length} of ${all.length} backed`,
    });
  }

  const batch: Facts = [];
  if (pools) {
    for (const s of pools.strategies.slice(1)) {
      batch.push({ section: 1, label: s.name, value: `${fmtMs(s.wallMs)}, ${s.failed} failed` });
    }
    batch.push({ section: 1, label: 'ideal makespan bound', value: fmtMs(pools.ideal.makespanMs) });
  }
  if (rate) {
    for (const s of rate.strategies) {
      batch.push({ section: 3, label: s.name, value: `${fmtMs(s.wallMs)}, ${s.failed} failed` });
    }
  }

  const channels: Facts = [];
  if (fan) {
    channels.push(
      {
        section: 2,
        label: 'hand-rolled count-based fan-in, one producer gives up',
        value: fan.handRolled.finished
          ? `finished, ${fan.handRolled.received}/${fan.handRolled.expected}`
          : `still waiting after ${fmtMs(fan.handRolled.watchdogMs)}, ${fan.handRolled.received}/${fan.handRolled.expected}`,
      },
      {
        section: 2,
        label: 'goscale merge, same producers',
        value: `finished in ${fmtMs(fan.merged.wallMs)}, ${fan.merged.received}/${fan.merged.expected}`,
      },
    );
  }

  return [
    slide(
      'errgroup',
      'Why not use errgroup?',
      "goscale's Group is errgroup: go() and wait(), the first error aborts the others' signal, and a limit bounds how many run. Sections 2 and 5 use it.",
      [2, 5],
      results,
      errgroup,
    ),
    slide(
      'memory',
      'What about memory usage?',
      'A waiting task costs a promise and its closure, not a thread; what grows with unbounded concurrency is the requests in flight, their sockets and buffers. Bounding the window bounds them.',
      [1],
      results,
      memory,
    ),
    slide(
      'testing',
      'How do you test this?',
      'JavaScript has no race detector, but an await is an interleaving point: section 3 shows a lost update. goscale is tested with gates and exact counts, fake timers, fast-check interleavings and leak checks; this demo checks its own conclusions against every run.',
      [3],
      results,
      testing,
    ),
    slide(
      'batch-size',
      "What's the best batch size?",
      "It depends on the workload: measure. At the same size a sliding window beats fixed batches (no waiting for stragglers), and past the service's knee more concurrency makes everything slower.",
      [1, 3],
      results,
      batch,
    ),
    slide(
      'channels',
      'Why not use channels everywhere?',
      'Channels pass data; for coordination a WaitGroup or Group is simpler. A count-based fan-in over a channel waits forever when one producer gives up without sending.',
      [2],
      results,
      channels,
    ),
  ];
}
