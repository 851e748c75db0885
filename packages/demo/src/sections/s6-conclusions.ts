/**
 * @module Section 6's measurements, tables and conclusions (pure functions of the measurements).
 */
import { plural } from '../lib/conclude.js';
import { fmtMs, fmtX } from '../lib/format.js';
import type { Conclusion, Table } from './types.js';

/** One limiter strategy across the replicas, as the API and the replicas counted it. */
export interface ReplicaLimiterRun {
  name: string;
  /** Calls each replica sent, in replica order. */
  perReplica: number[];
  sent: number;
  /** As the API counted them. */
  accepted: number;
  rejected: number;
  /** The most calls that reached the API in any one second. */
  peakPerSecond: number;
  /** Round trips to Redis by all replicas together. */
  redisRoundTrips: number;
}

/** Everything section 6 measured. `limiters` is [one Limiter per replica, one RedisLimiter for all]. */
export interface ReplicasMeasurements {
  replicas: number;
  callersPerReplica: number;
  durationMs: number;
  /** The API's quota, for every caller together. */
  quota: { rate: number; burst: number };
  /** What each limiter was configured with (each replica's own before; the shared bucket after). */
  limiter: { rate: number; burst: number };
  limiters: ReplicaLimiterRun[];
}

/** Calls per second over the run. */
const perSecond = (calls: number, ms: number): number => (ms <= 0 ? 0 : (calls * 1000) / ms);

/** The most calls the quota lets through in `ms`: a full bucket, then the rate. */
export const quotaAllows = (m: ReplicasMeasurements): number =>
  Math.floor(m.quota.burst + (m.quota.rate * m.durationMs) / 1000);

/**
 * The section's tables, from the measurements alone.
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * replicasTables(result.measurements)[0].rows;
 * ```
 */
export function replicasTables(m: ReplicasMeasurements): Table[] {
  return [
    {
      title: `${m.replicas} replica processes × ${m.callersPerReplica} callers for ${fmtMs(m.durationMs)}, one API quota of ${m.quota.rate}/s (burst ${m.quota.burst})`,
      columns: [
        'strategy',
        'sent',
        'per replica',
        'sent/s',
        'accepted',
        '429s',
        'busiest second',
        'Redis trips/call',
      ],
      rows: m.limiters.map((s) => [
        s.name,
        String(s.sent),
        s.perReplica.join(' / '),
        perSecond(s.sent, m.durationMs).toFixed(0),
        String(s.accepted),
        String(s.rejected),
        String(s.peakPerSecond),
        s.sent === 0 ? '–' : (s.redisRoundTrips / s.sent).toFixed(2),
      ]),
    },
  ];
}

/**
 * Section 6's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * replicasConclusions(result.measurements).every((c) => c.ok);
 * ```
 */
export function replicasConclusions(m: ReplicasMeasurements): Conclusion[] {
  const [local, shared] = m.limiters as [ReplicaLimiterRun, ReplicaLimiterRun];
  const over = perSecond(local.sent, m.durationMs) / m.quota.rate;
  const share = (s: ReplicaLimiterRun): string =>
    s.sent === 0 ? '0%' : `${((s.rejected / s.sent) * 100).toFixed(0)}%`;
  // "Holds the quota": at most 1% of the calls refused, and no more sent than the quota allows in that time.
  const callers = m.replicas * m.callersPerReplica;
  const tripsAllowed = shared.sent + 2 * callers + 2 * m.replicas;
  const held = shared.rejected * 100 <= shared.sent && shared.sent <= quotaAllows(m);
  return [
    {
      ok: local.rejected > 0 && over > 1.5,
      text: `${m.replicas} replicas, each with its own Limiter at the quota's ${m.limiter.rate}/s, sent ${local.sent} calls in ${fmtMs(m.durationMs)} (${fmtX(over)} the quota): the API answered 429 to ${local.rejected} of them (${share(local)}).`,
    },
    {
      ok: held,
      text: `${shared.name}: ${local.sent} → ${shared.sent} calls, ${plural(shared.rejected, '429')} (${share(shared)}); the quota allows ${quotaAllows(m)} in ${fmtMs(m.durationMs)}, and the busiest second saw ${shared.peakPerSecond} (quota ${m.quota.rate}/s + burst ${m.quota.burst}).`,
    },
    {
      // One round trip per wait; a wait still pending at the deadline costs a second one to give its reservation
      // back, and each replica's first call may load the script (NOSCRIPT, then EVALSHA again).
      ok: shared.sent > 0 && shared.redisRoundTrips <= tripsAllowed,
      text: `${shared.name} took ${shared.redisRoundTrips} Redis round trips for ${shared.sent} calls: one per wait, no polling (at most ${tripsAllowed} for ${callers} callers whose last waits were cut by the deadline).`,
    },
  ];
}
