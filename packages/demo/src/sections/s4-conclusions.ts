/**
 * @module Section 4's measurements, tables and conclusions (pure functions of the measurements).
 */
import { fmtMs } from '../lib/format.js';
import type { AppStats } from '../services/app-server.js';
import type { Conclusion, Table } from './types.js';

/** Everything section 4 measured. Times are ms since the load started. */
export interface ShutdownMeasurements {
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
 * shutdownTables(result.measurements).map((t) => t.title);
 * ```
 */
export function shutdownTables(m: ShutdownMeasurements): Table[] {
  return [
    {
      title: `SIGTERM to the app server at ${fmtMs(m.sigtermAtMs)}, under load`,
      columns: ['what', 'count', 'of', 'as it should be'],
      rows: [
        [
          'in-flight requests completed',
          String(m.inFlight.completed),
          String(m.inFlight.sent),
          asItShouldBe(m.inFlight.completed === m.inFlight.sent),
        ],
        [
          'load requests answered',
          String(m.load.completed),
          String(m.load.completed + m.load.failed),
          asItShouldBe(m.load.failed === 0),
        ],
        [
          'new connections refused',
          String(m.newConnections.refused),
          String(m.newConnections.attempts),
          asItShouldBe(m.newConnections.refused === m.newConnections.attempts),
        ],
        [
          'SSE clients that got the final event',
          String(m.sse.gotFinalEvent),
          String(m.sse.subscribers),
          asItShouldBe(m.sse.gotFinalEvent === m.sse.subscribers),
        ],
        [
          'backend calls cancelled by hang-ups',
          String(m.hangUps.cancelledAtBackend),
          String(m.hangUps.sent),
          asItShouldBe(m.hangUps.cancelledAtBackend === m.hangUps.sent),
        ],
        ['exit code', String(m.exitCode), '0', asItShouldBe(m.exitCode === 0)],
        ['drain (SIGTERM to exit)', fmtMs(m.drainMs), '', ''],
      ],
    },
  ];
}

/** The table's last column. */
function asItShouldBe(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

/**
 * Section 4's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * shutdownConclusions(result.measurements).at(-1)?.text; // 'Nothing lost: …'
 * ```
 */
export function shutdownConclusions(m: ShutdownMeasurements): Conclusion[] {
  const everyRequestAnswered = m.inFlight.completed === m.inFlight.sent && m.load.failed === 0;
  const newConnectionsRefused = m.newConnections.refused === m.newConnections.attempts;
  const everySubscriberTold = m.sse.gotFinalEvent === m.sse.subscribers;
  const hangUpsCancelled = m.hangUps.cancelledAtBackend === m.hangUps.sent;
  const exitedClean = m.exitCode === 0;
  const nothingLost =
    everyRequestAnswered && newConnectionsRefused && everySubscriberTold && hangUpsCancelled && exitedClean;
  return [
    {
      ok: everyRequestAnswered,
      text: `${m.inFlight.completed} of ${m.inFlight.sent} requests in flight at SIGTERM got their full response, and ${m.load.completed} of ${m.load.completed + m.load.failed} load requests were answered.`,
    },
    {
      ok: newConnectionsRefused,
      text: `${m.newConnections.refused} of ${m.newConnections.attempts} new connections during the drain were refused (the listener was closed).`,
    },
    {
      ok: everySubscriberTold,
      text: `${m.sse.gotFinalEvent} of ${m.sse.subscribers} SSE subscribers received the final 'shutdown' event before their stream ended.`,
    },
    {
      ok: hangUpsCancelled,
      text: `${m.hangUps.cancelledAtBackend} of ${m.hangUps.sent} backend calls were cancelled because their client hung up (requestSignal).`,
    },
    {
      ok: exitedClean && m.drainMs >= m.longestRequestMs - m.sigtermAtMs,
      text: `The server exited with code ${m.exitCode} ${fmtMs(m.drainMs)} after SIGTERM (the longest request needed ${fmtMs(Math.max(0, m.longestRequestMs - m.sigtermAtMs))} more).`,
    },
    {
      ok: nothingLost,
      claim: 'nothing lost',
      text: nothingLost
        ? 'Nothing lost: every accepted request answered, every subscriber told, every abandoned backend call stopped.'
        : 'Something was lost: see the rows marked NO above.',
    },
  ];
}
