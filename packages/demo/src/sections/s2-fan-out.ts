/**
 * @module Section 2, fan-out/fan-in: five status sources sequentially, fanned out, and with one source hanging.
 */
import { Group, fanOut, merge } from 'goscale';
import { call } from '../lib/client.js';
import { measureStrategy } from '../lib/measure.js';
import type { Recorder } from '../lib/timeline.js';
import {
  SOURCE_MEDIANS,
  SOURCE_NAMES,
  startStatusSources,
  type SourceName,
} from '../services/status-sources.js';
import { fanOutConclusions, fanOutTables, type FanOutMeasurements } from './s2-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

/** The source made to hang in the second half of the section. */
const HUNG: SourceName = 'imageScan';

/**
 * The hand-rolled fan-in the talk warns about: producers send on a shared inbox, the consumer counts `expected`
 * receipts. A producer that gives up (its own timeout) returns without sending, so the count is never reached.
 */
function handRolledFanIn(
  sources: readonly SourceName[],
  fetchOne: (name: SourceName, signal: AbortSignal) => Promise<unknown>,
  producerTimeoutMs: number,
): { received: () => number; done: Promise<void> } {
  const inbox: unknown[] = [];
  let wake: (() => void) | undefined;
  let received = 0;
  for (const name of sources) {
    void (async () => {
      try {
        inbox.push(await fetchOne(name, AbortSignal.timeout(producerTimeoutMs)));
        wake?.();
      } catch {
        // The bug: on error the producer just returns. Nothing is sent, and nobody tells the consumer.
      }
    })();
  }
  const done = (async () => {
    for (let i = 0; i < sources.length; i++) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      inbox.shift();
      received++;
    }
  })();
  return { received: () => received, done };
}

/**
 * Runs section 2 against fresh status sources.
 * @param opts - seed, quick, progress.
 * @returns the section's result.
 * @example
 * ```ts
 * const result = await runFanOut({ seed: 42, quick: true });
 * ```
 */
export async function runFanOut(opts: RunOptions): Promise<SectionBody<FanOutMeasurements>> {
  const scale = opts.quick ? 0.5 : 1;
  const sources = await startStatusSources({ seed: opts.seed, scale });
  const deadlineMs = Math.round(Math.max(...Object.values(SOURCE_MEDIANS)) * scale * 1.4);
  const watchdogMs = opts.quick ? 600 : 1500;
  try {
    const fetchOne = (rec: Recorder, name: SourceName, signal?: AbortSignal): Promise<unknown> =>
      rec.track(
        () => call<{ state: string }>(`${sources.url}/status/${name}`, { signal }),
        (r) => r.status,
      );
    // Every strategy sees the sources afresh: the same call numbers, so the same seeded latencies.
    const service = { resetStats: () => sources.resetStats(), stats: () => sources.peakInFlight() };
    const strategy = (name: string) => ({ name, service, total: SOURCE_NAMES.length });

    const { timeline: sequential } = await measureStrategy(strategy('sequential'), opts, async (rec) => {
      for (const name of SOURCE_NAMES) await fetchOne(rec, name);
    });

    const { timeline: fannedOut } = await measureStrategy(
      strategy('fan-out (goscale Group)'),
      opts,
      async (rec) => {
        const group = new Group();
        for (const name of SOURCE_NAMES) await group.go((signal) => fetchOne(rec, name, signal));
        await group.wait();
      },
    );

    sources.setHang(HUNG, true);
    const { timeline: deadline, value: results } = await measureStrategy(
      strategy(`deadline ${deadlineMs} ms (goscale fanOut), ${HUNG} hangs`),
      opts,
      (rec) => {
        const bySource = Object.fromEntries(
          SOURCE_NAMES.map((name) => [name, (signal: AbortSignal) => fetchOne(rec, name, signal)]),
        ) as Record<SourceName, (signal: AbortSignal) => Promise<unknown>>;
        // One deadline for all five; a source that misses it reads { status: 'timeout' } and its request is aborted.
        return fanOut(bySource, { timeout: deadlineMs });
      },
    );
    // Give the server a moment to see the aborted request's socket close before counting what it still holds.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const heldAfterDeadline = sources.hanging;

    const producerTimeoutMs = deadlineMs;
    const { timeline: handRolled, value: fanIn } = await measureStrategy(
      strategy(`hand-rolled count-based fan-in, ${HUNG} hangs`),
      opts,
      async (rec) => {
        const fanIn = handRolledFanIn(
          SOURCE_NAMES,
          (name, signal) => fetchOne(rec, name, signal),
          producerTimeoutMs,
        );
        // The demo's own watchdog: the fan-in itself has no way to give up. It ticks the progress line so that the
        // audience sees the wait grow.
        let watchdog: ReturnType<typeof setInterval> | undefined;
        const finished = await Promise.race([
          fanIn.done.then(() => true),
          new Promise<false>((resolve) => {
            watchdog = setInterval(() => {
              const waited = rec.now();
              opts.progress?.(
                `hand-rolled fan-in still waiting after ${Math.round(waited)} ms (${fanIn.received()}/${SOURCE_NAMES.length})`,
              );
              if (waited >= watchdogMs) resolve(false);
            }, 50);
          }),
        ]);
        clearInterval(watchdog);
        rec.mark(0, rec.now(), finished ? 'finished' : 'still waiting');
        return { received: fanIn.received(), finished };
      },
    );

    // The same producers, the same give-up-without-sending, but fanned in with goscale merge: it ends when every
    // source has returned, whether or not it sent anything, so nobody counts.
    const { timeline: mergeRun, value: merged } = await measureStrategy(
      strategy(`goscale merge, ${HUNG} hangs`),
      opts,
      async (rec) => {
        const producer = (name: SourceName): AsyncIterable<unknown> =>
          (async function* () {
            try {
              yield await fetchOne(rec, name, AbortSignal.timeout(producerTimeoutMs));
            } catch {
              // Gives up without sending, exactly like the hand-rolled producer.
            }
          })();
        let received = 0;
        for await (const _status of merge(...SOURCE_NAMES.map(producer))) received++;
        return received;
      },
    );
    sources.setHang(HUNG, false);
    const timelines = [sequential, fannedOut, deadline, handRolled, mergeRun];

    const slowestMs = Math.max(...fannedOut.bars.map((b) => b.end - b.start));
    const measurements: FanOutMeasurements = {
      sources: SOURCE_NAMES.map((name) => ({ name, medianMs: SOURCE_MEDIANS[name] * scale })),
      sequentialMs: sequential.wallMs,
      fanOutMs: fannedOut.wallMs,
      slowestSourceMs: slowestMs,
      deadline: {
        hung: HUNG,
        deadlineMs,
        wallMs: deadline.wallMs,
        onTime: SOURCE_NAMES.filter((n) => results[n].status === 'fulfilled'),
        timedOut: SOURCE_NAMES.filter((n) => results[n].status === 'timeout'),
        heldAtSourceAfter: heldAfterDeadline,
      },
      handRolled: { watchdogMs, expected: SOURCE_NAMES.length, ...fanIn },
      merged: { wallMs: mergeRun.wallMs, received: merged, expected: SOURCE_NAMES.length, producerTimeoutMs },
    };
    return {
      measurements,
      tables: fanOutTables(measurements),
      timelines,
      conclusions: fanOutConclusions(measurements),
    };
  } finally {
    sources.setHang(HUNG, false);
    await sources.close();
  }
}
