/**
 * @module Section 5's measurements, tables and conclusions (pure functions of the measurements).
 */
import { speedPhrase, speedup } from '../lib/conclude.js';
import { fmtMs, fmtX } from '../lib/format.js';
import type { Verdict } from './hibernation.js';
import type { Conclusion, Table } from './types.js';

/** One strategy's numbers. */
export interface Strategy5 {
  name: string;
  wallMs: number;
  tally: Record<Verdict, number>;
  /** Requests the client sent, retries after 429 included. */
  requests: number;
  /** 429s the API answered. */
  throttled: number;
  servicePeakInFlight: number;
}

/** Everything section 5 measured. `strategies` is [sequential, batches of 5, goscale]. */
export interface Section5 {
  workloads: number;
  api: { qps: number; burst: number; listCalls: number };
  strategies: Strategy5[];
  /** Whether every strategy gave every workload the same verdict. */
  verdictsIdentical: boolean;
}

/** The talk's claim as a ratio. */
export const TALK_SPEEDUP = 10;

/**
 * The section's tables, from the measurements alone (the terminal and the HTML report render the same tables).
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * tables5(result.measurements).map((t) => t.title);
 * ```
 */
export function tables5(m: Section5): Table[] {
  return [
    {
      title: `${m.workloads} workloads checked for hibernation (API: ${m.api.qps} QPS, burst ${m.api.burst}, 429 beyond)`,
      columns: [
        'strategy',
        'wall time',
        'hibernatable',
        'hibernated',
        'owned',
        'no replicas',
        'requests',
        '429s',
        'peak in-flight',
      ],
      rows: m.strategies.map((s) => [
        s.name,
        fmtMs(s.wallMs),
        String(s.tally.hibernatable),
        String(s.tally.hibernated),
        String(s.tally.owned),
        String(s.tally['no-replicas']),
        String(s.requests),
        String(s.throttled),
        String(s.servicePeakInFlight),
      ]),
    },
  ];
}

/**
 * Section 5's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * conclude5(result.measurements)[0].text;
 * ```
 */
export function conclude5(m: Section5): Conclusion[] {
  const [seq, batches, gs] = m.strategies as [Strategy5, Strategy5, Strategy5];
  const x = speedup(gs.wallMs, seq.wallMs);
  const checked = (s: Strategy5): number => Object.values(s.tally).reduce((a, b) => a + b, 0);
  return [
    {
      ok: m.verdictsIdentical && m.strategies.every((s) => checked(s) === m.workloads),
      text: m.verdictsIdentical
        ? `All three strategies gave identical verdicts for all ${m.workloads} workloads (${gs.tally.hibernatable} hibernatable, ${gs.tally.hibernated} already hibernated, ${gs.tally.owned} owned, ${gs.tally['no-replicas']} without replicas).`
        : `The strategies DISAGREE on some verdicts: a bug in the concurrent version.`,
    },
    {
      ok: gs.wallMs < batches.wallMs,
      text: `goscale Group + Limiter took ${fmtMs(gs.wallMs)}: ${speedPhrase(gs.wallMs, batches.wallMs)} batches of 5 (${fmtMs(batches.wallMs)}), ${speedPhrase(gs.wallMs, seq.wallMs)} sequential (${fmtMs(seq.wallMs)}).`,
    },
    {
      ok: gs.throttled === 0,
      text:
        gs.throttled === 0
          ? `The Limiter kept the client under the API's ${m.api.qps} QPS: no 429s (peak ${gs.servicePeakInFlight} in flight).`
          : `The API still answered ${gs.throttled} 429s to the goscale run (retried).`,
    },
    {
      ok: x >= TALK_SPEEDUP,
      claim: '10x performance improvement',
      text: `${x >= TALK_SPEEDUP ? 'Supported' : 'Not supported by this run'}: ${fmtX(x)} faster than sequential.`,
    },
  ];
}
