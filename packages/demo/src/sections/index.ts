/**
 * @module The talk's five sections in its order, then a backup section, and `runSection` to run one in-process.
 */
import { runWorkerPools } from './s1-worker-pools.js';
import { runFanOut } from './s2-fan-out.js';
import { runRateLimit } from './s3-rate-limit.js';
import { runShutdown } from './s4-shutdown.js';
import { runCaseStudy } from './s5-case-study.js';
import { runReplicas } from './s6-replicas.js';
import { redisMissing } from '../services/redis-server.js';
import type { RunOptions, SectionDef, SectionResult } from './types.js';

export type { Conclusion, RunOptions, SectionBody, SectionDef, SectionResult, Table } from './types.js';

/** Every section, by number: the one place where a section's title is written. */
export const SECTIONS: Record<number, SectionDef> = {
  1: { title: 'Worker pools', run: runWorkerPools },
  2: { title: 'Fan-out/fan-in', run: runFanOut },
  3: { title: 'Rate limiting', run: runRateLimit },
  4: { title: 'Graceful shutdown', run: runShutdown },
  5: { title: 'Case study: hibernation check', run: runCaseStudy },
  // Not in the talk's 25 minutes: a backup section for "and with several replicas?" (needs Redis).
  6: { title: 'Many replicas', run: runReplicas, unavailable: redisMissing },
};

/** The section numbers, in order (for messages and menus). */
export const SECTION_NUMBERS: readonly number[] = Object.keys(SECTIONS)
  .map(Number)
  .sort((a, b) => a - b);

/**
 * Runs section `n` in this process, against services it starts and stops itself.
 *
 * Each section leaves nothing running when its promise settles (servers closed, child process gone). A section
 * that cannot run here (see `SectionDef.unavailable`) rejects with its one-line hint.
 * @param n - a section number (1 to 6).
 * @param opts - seed, quick, progress (whose texts get the section's number and title in front).
 * @returns the measurements, tables, timelines and the conclusions computed from the measurements.
 * @example
 * ```ts
 * const { conclusions } = await runSection(1, { seed: 42, quick: true });
 * ```
 */
export async function runSection(n: number, opts: RunOptions): Promise<SectionResult> {
  const section = SECTIONS[n];
  if (section === undefined) {
    throw new RangeError(
      `runSection: expected a section from ${SECTION_NUMBERS[0]} to ${SECTION_NUMBERS.at(-1)}, got \`${n}\``,
    );
  }
  const missing = section.unavailable?.();
  if (missing !== undefined) throw new Error(`${n}. ${section.title}: ${missing}`);
  const { progress } = opts;
  const prefix = `${n}. ${section.title} · `;
  const body = await section.run({
    ...opts,
    progress: progress === undefined ? undefined : (text) => progress(prefix + text),
  });
  return { section: n, title: section.title, ...body };
}
