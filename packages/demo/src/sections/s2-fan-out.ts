/**
 * @module Section 2, fan-out/fan-in: five status sources sequentially, fanned out, and with one source hanging.
 */
import { Group, fanOut, merge } from 'goscale';
import { call } from '../lib/client.js';
import { Recorder, type Timeline } from '../lib/timeline.js';
import {
  SOURCE_MEDIANS,
  SOURCE_NAMES,
  startStatusSources,
  type SourceName,
} from '../services/status-sources.js';
import { conclude2, tables2, type Section2 } from './s2-conclusions.js';
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
export async function runFanOut(opts: RunOptions): Promise<SectionBody<Section2>> {
  const scale = opts.quick ? 0.5 : 1;
  const sources = await startStatusSources({ seed: opts.seed, scale });
  const deadlineMs = Math.round(Math.max(...Object.values(SOURCE_MEDIANS)) * scale * 1.4);
  const watchdogMs = opts.quick ? 600 : 1500;
  const timelines: Timeline[] = [];
  try {
    const fetchOne = (rec: Recorder, name: SourceName, signal?: AbortSignal): Promise<unknown> =>
      rec.track(
        () => call<{ state: string }>(`${sources.url}/status/${name}`, { signal }),
        (r) => r.status,
      );
    const progress = (what: string) => (): void => opts.progress?.(what);

    sources.resetStats();
    let rec = new Recorder('sequential', progress('sequential'));
    for (const name of SOURCE_NAMES) await fetchOne(rec, name);
    const sequential = rec.finish();
    timelines.push(sequential);

    sources.resetStats();
    rec = new Recorder('fan-out (goscale Group)', progress('fan-out'));
    const group = new Group();
    for (const name of SOURCE_NAMES) await group.go((signal) => fetchOne(rec, name, signal));
    await group.wait();
    const fannedOut = rec.finish();
    timelines.push(fannedOut);

    sources.setHang(HUNG, true);
    sources.resetStats();
    rec = new Recorder(`deadline ${deadlineMs} ms (goscale fanOut), ${HUNG} hangs`, progress('deadline'));
    const bySource = Object.fromEntries(
      SOURCE_NAMES.map((name) => [name, (signal: AbortSignal) => fetchOne(rec, name, signal)]),
    ) as Record<SourceName, (signal: AbortSignal) => Promise<unknown>>;
    // One deadline for all five; a source that misses it reads { status: 'timeout' } and its request is aborted.
    const results = await fanOut(bySource, { timeout: deadlineMs });
    const deadline = rec.finish();
    timelines.push(deadline);
    // Give the server a moment to see the aborted request's socket close before counting what it still holds.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const heldAfterDeadline = sources.hanging;

    sources.resetStats();
    rec = new Recorder(`hand-rolled count-based fan-in, ${HUNG} hangs`, progress('hand-rolled fan-in'));
    const producerTimeoutMs = deadlineMs;
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
    const handRolled = rec.finish();
    timelines.push(handRolled);

    // The same producers, the same give-up-without-sending, but fanned in with goscale merge: it ends when every
    // source has returned, whether or not it sent anything, so nobody counts.
    sources.resetStats();
    rec = new Recorder(`goscale merge, ${HUNG} hangs`, progress('merge'));
    const producer = (name: SourceName): AsyncIterable<unknown> =>
      (async function* () {
        try {
          yield await fetchOne(rec, name, AbortSignal.timeout(producerTimeoutMs));
        } catch {
          // Gives up without sending, exactly like the hand-rolled producer.
        }
      })();
    let merged = 0;
    for await (const _status of merge(...SOURCE_NAMES.map(producer))) merged++;
    const mergeRun = rec.finish();
    timelines.push(mergeRun);
    sources.setHang(HUNG, false);

    const slowestMs = Math.max(...fannedOut.bars.map((b) => b.end - b.start));
    const measurements: Section2 = {
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
      handRolled: { watchdogMs, expected: SOURCE_NAMES.length, received: fanIn.received(), finished },
      merged: { wallMs: mergeRun.wallMs, received: merged, expected: SOURCE_NAMES.length, producerTimeoutMs },
    };
    return {
      measurements,
      tables: tables2(measurements),
      timelines,
      conclusions: conclude2(measurements),
    };
  } finally {
    sources.setHang(HUNG, false);
    await sources.close();
  }
}
