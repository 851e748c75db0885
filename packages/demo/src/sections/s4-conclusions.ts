/**
 * @module Section 4's measurements, tables and conclusions (pure functions of the measurements).
 */
import { fmtMs } from '../lib/format.js';
import type { AppStats } from '../services/app-server.js';
import type { Conclusion, Table } from './types.js';

/** Everything section 4 measured. Times are ms since the load started. */
export interface Section4 {
  sigtermAtMs: number;
  /** From SIGTERM to the child's exit. */
  drainMs: number;
  /** The longest `/work` request sent before SIGTERM: the drain cannot be shorter than what is left of it. */
  longestRequestMs: number;
  exitCode: number;
  sse: { subscribers: number; gotFinalEvent: number };
  /** Long requests in flight when SIGTERM arrived, and how many got their full answer. */
  inFlight: { sent: number; completed: number };
  /** Short requests sent by the load generator before SIGTERM, answered or not. */
  load: { completed: number; failed: number };
  /** Fresh connections attempted after the listener should have closed, and how many were refused. */
  newConnections: { attempts: number; refused: number };
  /** Clients that hung up mid-request, and backend calls the server cancelled because of it. */
  hangUps: { sent: number; cancelledAtBackend: number };
  backend: AppStats;
}

/**
 * The section's tables, from the measurements alone (the terminal and the HTML report render the same tables).
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * tables4(result.measurements).map((t) => t.title);
 * ```
 */
export function tables4(m: Section4): Table[] {
  return [
    {
      title: `SIGTERM to the app server at ${fmtMs(m.sigtermAtMs)}, under load`,
      columns: ['what', 'count', 'of', 'as it should be'],
      rows: [
        [
          'in-flight requests completed',
          String(m.inFlight.completed),
          String(m.inFlight.sent),
          yes(m.inFlight.completed === m.inFlight.sent),
        ],
        [
          'load requests answered',
          String(m.load.completed),
          String(m.load.completed + m.load.failed),
          yes(m.load.failed === 0),
        ],
        [
          'new connections refused',
          String(m.newConnections.refused),
          String(m.newConnections.attempts),
          yes(m.newConnections.refused === m.newConnections.attempts),
        ],
        [
          'SSE clients that got the final event',
          String(m.sse.gotFinalEvent),
          String(m.sse.subscribers),
          yes(m.sse.gotFinalEvent === m.sse.subscribers),
        ],
        [
          'backend calls cancelled by hang-ups',
          String(m.hangUps.cancelledAtBackend),
          String(m.hangUps.sent),
          yes(m.hangUps.cancelledAtBackend === m.hangUps.sent),
        ],
        ['exit code', String(m.exitCode), '0', yes(m.exitCode === 0)],
        ['drain (SIGTERM to exit)', fmtMs(m.drainMs), '', ''],
      ],
    },
  ];
}

function yes(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

/**
 * Section 4's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * conclude4(result.measurements).at(-1)?.text; // 'Nothing lost: …'
 * ```
 */
export function conclude4(m: Section4): Conclusion[] {
  const checks = [
    m.inFlight.completed === m.inFlight.sent && m.load.failed === 0,
    m.newConnections.refused === m.newConnections.attempts,
    m.sse.gotFinalEvent === m.sse.subscribers,
    m.hangUps.cancelledAtBackend === m.hangUps.sent,
    m.exitCode === 0,
  ];
  return [
    {
      ok: checks[0]!,
      text: `${m.inFlight.completed} of ${m.inFlight.sent} requests in flight at SIGTERM got their full response, and ${m.load.completed} of ${m.load.completed + m.load.failed} load requests were answered.`,
    },
    {
      ok: checks[1]!,
      text: `${m.newConnections.refused} of ${m.newConnections.attempts} new connections during the drain were refused (the listener was closed).`,
    },
    {
      ok: checks[2]!,
      text: `${m.sse.gotFinalEvent} of ${m.sse.subscribers} SSE subscribers received the final 'shutdown' event before their stream ended.`,
    },
    {
      ok: checks[3]!,
      text: `${m.hangUps.cancelledAtBackend} of ${m.hangUps.sent} backend calls were cancelled because their client hung up (requestSignal).`,
    },
    {
      ok: checks[4]! && m.drainMs >= m.longestRequestMs - m.sigtermAtMs,
      text: `The server exited with code ${m.exitCode} ${fmtMs(m.drainMs)} after SIGTERM (the longest request needed ${fmtMs(Math.max(0, m.longestRequestMs - m.sigtermAtMs))} more).`,
    },
    {
      ok: checks.every(Boolean),
      claim: 'nothing lost',
      text: checks.every(Boolean)
        ? 'Nothing lost: every accepted request answered, every subscriber told, every abandoned backend call stopped.'
        : 'Something was lost: see the rows marked NO above.',
    },
  ];
}
