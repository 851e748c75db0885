/**
 * @module Section 5's measurements, tables and conclusions (pure functions of the measurements).
 */
import { VERDICTS } from '@goscale/hibernate';
import { speedPhrase, speedup } from '../lib/conclude.js';
import { fmtMs, fmtX } from '../lib/format.js';
import type { Verdict } from './hibernation.js';
import type { Conclusion, Table } from './types.js';

/** One strategy's numbers. */
export interface CaseStudyStrategy {
  name: string;
  wallMs: number;
  tally: Record<Verdict, number>;
  /** Requests the client sent, retries after 429 included. */
  requests: number;
  /** 429s the API answered. */
  throttled: number;
  servicePeakInFlight: number;
}

/**
 * Everything section 5 measured. `strategies` is [sequential, batches of 5, goscale], each reading every workload
 * one request at a time; `tool` is `goscale-hibernate check -A` over the same API, which lists instead.
 */
export interface CaseStudyMeasurements {
  workloads: number;
  api: { qps: number; burst: number; listCalls: number };
  strategies: CaseStudyStrategy[];
  tool: CaseStudyStrategy;
  /** Whether every strategy and the tool gave every workload the same verdict. */
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
 * caseStudyTables(result.measurements).map((t) => t.title);
 * ```
 */
export function caseStudyTables(m: CaseStudyMeasurements): Table[] {
  return [
    {
      title: `${m.workloads} workloads checked for hibernation (API: ${m.api.qps} QPS, burst ${m.api.burst}, 429 beyond)`,
      columns: ['strategy', 'wall time', ...VERDICTS, 'requests', '429s', 'peak in-flight'],
      rows: [...m.strategies, m.tool].map((s) => [
        s.name,
        fmtMs(s.wallMs),
        ...VERDICTS.map((v) => String(s.tally[v])),
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
 * caseStudyConclusions(result.measurements)[0].text;
 * ```
 */
export function caseStudyConclusions(m: CaseStudyMeasurements): Conclusion[] {
  const [seq, batches, goscale] = m.strategies as [CaseStudyStrategy, CaseStudyStrategy, CaseStudyStrategy];
  const overSequential = speedup(goscale.wallMs, seq.wallMs);
  const checked = (s: CaseStudyStrategy): number => Object.values(s.tally).reduce((a, b) => a + b, 0);
  const tally = VERDICTS.map((v) => `${goscale.tally[v]} ${v}`).join(', ');
  const { tool } = m;
  return [
    {
      ok: m.verdictsIdentical && [...m.strategies, tool].every((s) => checked(s) === m.workloads),
      text: m.verdictsIdentical
        ? `All three strategies and goscale-hibernate check gave identical verdicts for all ${m.workloads} workloads (${tally}), all from @goscale/hibernate's judge.`
        : `The strategies DISAGREE on some verdicts: a bug in the concurrent version or in the tool's runner.`,
    },
    {
      ok: goscale.wallMs < batches.wallMs,
      text: `goscale Group + Limiter took ${fmtMs(goscale.wallMs)}: ${speedPhrase(goscale.wallMs, batches.wallMs)} batches of 5 (${fmtMs(batches.wallMs)}), ${speedPhrase(goscale.wallMs, seq.wallMs)} sequential (${fmtMs(seq.wallMs)}).`,
    },
    {
      ok: goscale.throttled === 0,
      text:
        goscale.throttled === 0
          ? `The Limiter kept the client under the API's ${m.api.qps} QPS: no 429s (peak ${goscale.servicePeakInFlight} in flight).`
          : `The API still answered ${goscale.throttled} 429s to the goscale run (retried).`,
    },
    {
      ok: overSequential >= TALK_SPEEDUP,
      claim: '10x performance improvement',
      text: `${overSequential >= TALK_SPEEDUP ? 'Supported' : 'Not supported by this run'}: ${fmtX(overSequential)} faster than sequential.`,
    },
    {
      ok: tool.requests < goscale.requests && tool.throttled === 0,
      text: `goscale-hibernate check read the same cluster in ${tool.requests} requests (discovery and list pages) instead of ${m.api.listCalls} lists and ${goscale.requests} reads, in ${fmtMs(tool.wallMs)}: ${speedPhrase(tool.wallMs, goscale.wallMs)} reading each workload with Group + Limiter${tool.throttled === 0 ? '' : `, but with ${tool.throttled} 429s`}.`,
    },
  ];
}
