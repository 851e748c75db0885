/**
 * @module Section 2's measurements, tables and conclusions (pure functions of the measurements).
 */
import { percentFaster, speedPhrase } from '../lib/conclude.js';
import { fmtMs } from '../lib/format.js';
import type { Conclusion, Table } from './types.js';

/** Everything section 2 measured. */
export interface FanOutMeasurements {
  sources: Array<{ name: string; medianMs: number }>;
  sequentialMs: number;
  fanOutMs: number;
  /** The longest single call during the fan-out run: the floor for any fan-out. */
  slowestSourceMs: number;
  deadline: {
    hung: string;
    deadlineMs: number;
    wallMs: number;
    onTime: string[];
    timedOut: string[];
    /** Requests the hanging source still held open shortly after the deadline (0: the abort reached it). */
    heldAtSourceAfter: number;
  };
  handRolled: { watchdogMs: number; expected: number; received: number; finished: boolean };
  /** The same producers fanned in with goscale `merge`, which ends when every source has returned. */
  merged: { wallMs: number; received: number; expected: number; producerTimeoutMs: number };
}

/**
 * The section's tables, from the measurements alone (the terminal and the HTML report render the same tables).
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * fanOutTables(result.measurements).map((t) => t.title);
 * ```
 */
export function fanOutTables(m: FanOutMeasurements): Table[] {
  return [
    {
      title: `Five status sources (${m.sources.map((s) => `${s.name} ~${fmtMs(s.medianMs)}`).join(', ')})`,
      columns: ['strategy', 'wall time', 'results'],
      rows: [
        ['sequential', fmtMs(m.sequentialMs), `${m.sources.length}/${m.sources.length}`],
        ['fan-out (goscale Group)', fmtMs(m.fanOutMs), `${m.sources.length}/${m.sources.length}`],
        ['slowest single source', fmtMs(m.slowestSourceMs), ''],
        [
          `fanOut, deadline ${fmtMs(m.deadline.deadlineMs)}, ${m.deadline.hung} hangs`,
          fmtMs(m.deadline.wallMs),
          `${m.deadline.onTime.length}/${m.sources.length} (timeout: ${m.deadline.timedOut.join(', ') || 'none'})`,
        ],
        [
          `hand-rolled fan-in, ${m.deadline.hung} hangs`,
          m.handRolled.finished ? 'finished' : `> ${fmtMs(m.handRolled.watchdogMs)}`,
          `${m.handRolled.received}/${m.handRolled.expected}${m.handRolled.finished ? '' : ', still waiting'}`,
        ],
        [
          `goscale merge, ${m.deadline.hung} hangs`,
          fmtMs(m.merged.wallMs),
          `${m.merged.received}/${m.merged.expected}, finished`,
        ],
      ],
    },
  ];
}

/**
 * Section 2's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * fanOutConclusions(result.measurements).map((c) => c.text);
 * ```
 */
export function fanOutConclusions(m: FanOutMeasurements): Conclusion[] {
  const saved = percentFaster(m.fanOutMs, m.sequentialMs);
  const nearSlowest = m.fanOutMs <= m.slowestSourceMs * 1.25 + 15;
  const d = m.deadline;
  const onTime = d.wallMs <= d.deadlineMs * 1.25 + 25;
  return [
    {
      ok: nearSlowest && m.fanOutMs < m.sequentialMs,
      text: `Fan-out took ${fmtMs(m.fanOutMs)}, ${nearSlowest ? 'about' : 'well above'} the slowest source alone (${fmtMs(m.slowestSourceMs)}), and was ${speedPhrase(m.fanOutMs, m.sequentialMs)} sequential (${fmtMs(m.sequentialMs)}).`,
    },
    {
      ok: saved >= 40,
      claim: '40% faster',
      text: `${saved >= 40 ? 'Supported' : 'Not supported by this run'}: fan-out took ${saved.toFixed(0)}% less time than sequential.`,
    },
    {
      ok: onTime && d.onTime.length === m.sources.length - 1 && d.timedOut.length === 1,
      text: `With ${d.hung} hanging, goscale fanOut with a ${fmtMs(d.deadlineMs)} deadline returned ${d.onTime.length} of ${m.sources.length} statuses after ${fmtMs(d.wallMs)} (${onTime ? 'on time' : 'late'}); timed out: ${d.timedOut.join(', ') || 'none'}.`,
    },
    {
      ok: d.heldAtSourceAfter === 0,
      text:
        d.heldAtSourceAfter === 0
          ? `The deadline aborted the hanging request: the source holds no request open afterwards.`
          : `The hanging source still holds ${d.heldAtSourceAfter} request(s) open after the deadline.`,
    },
    {
      ok: !m.handRolled.finished,
      text: m.handRolled.finished
        ? `The hand-rolled count-based fan-in finished this time (${m.handRolled.received}/${m.handRolled.expected}).`
        : `The hand-rolled count-based fan-in is still waiting after ${fmtMs(m.handRolled.watchdogMs)} with ${m.handRolled.received} of ${m.handRolled.expected} results: the ${d.hung} producer gave up without sending, so the count is never reached.`,
    },
    {
      ok:
        m.merged.received === m.merged.expected - 1 &&
        m.merged.wallMs <= m.merged.producerTimeoutMs * 1.25 + 25,
      text: `goscale merge over the same producers finished after ${fmtMs(m.merged.wallMs)} with ${m.merged.received} of ${m.merged.expected} results (producer timeout ${fmtMs(m.merged.producerTimeoutMs)}): it ends when every source has returned, sent or not.`,
    },
  ];
}
