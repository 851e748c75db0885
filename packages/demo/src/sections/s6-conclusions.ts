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
  /** From the first call's arrival at the API to the last's: the replicas start and stop a little apart. */
  spanMs: number;
  /** Round trips to Redis by all replicas together. */
  redisRoundTrips: number;
}

/** What one group of SSE clients received, against the stream's own list of ids. */
export interface ClientGroup {
  name: string;
  clients: number;
  /** Entries of the stream a client never got, summed over the group. */
  missed: number;
  /** Events a client got more than once, summed. */
  duplicated: number;
  /** Clients whose events (duplicates dropped) were not in the stream's order. */
  outOfOrder: number;
  /** `goscale-reset` events (sent when the Broker cannot replay what a client missed). */
  resets: number;
}

/** The SSE half: clients on every replica, three batches published, one replica killed between the first two. */
export interface BroadcastMeasurements {
  /** Replica names, in order; the last one is killed. */
  replicas: string[];
  clientsPerReplica: number;
  /** Events in each of the three batches. */
  batch: number;
  /** Where each batch was published: before the kill, while its clients were away, after they came back. */
  publishedOn: [string, string, string];
  /** Entries in the Redis stream at the end (should be 3 × batch). */
  streamEntries: number;
  /** Clients that had the whole first batch (published on one replica), under the stream's ids, in its order. */
  receivedFirstBatch: number;
  killed: string;
  /** The killed replica's clients: how many came back, how many requests carried `Last-Event-ID`, and where to. */
  moved: { reconnected: number; withLastEventId: number; to: Record<string, number> };
  /** [clients of the replicas that stayed up, clients of the killed one]. */
  groups: [ClientGroup, ClientGroup];
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
  broadcast: BroadcastMeasurements;
}

/** Calls per second over the run. */
const perSecond = (calls: number, ms: number): number => (ms <= 0 ? 0 : (calls * 1000) / ms);

/** The most calls the quota lets through while `s` ran (its measured span): a full bucket, then the rate. */
export const quotaAllows = (m: ReplicasMeasurements, s: ReplicaLimiterRun): number =>
  Math.floor(m.quota.burst + (m.quota.rate * s.spanMs) / 1000);

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
        perSecond(s.sent, s.spanMs).toFixed(0),
        String(s.accepted),
        String(s.rejected),
        String(s.peakPerSecond),
        s.sent === 0 ? '–' : (s.redisRoundTrips / s.sent).toFixed(2),
      ]),
    },
    broadcastTable(m.broadcast),
  ];
}

function broadcastConclusions(b: BroadcastMeasurements): Conclusion[] {
  const all = b.groups[0].clients + b.groups[1].clients;
  const moved = b.groups[1];
  const bad = (g: ClientGroup): number => g.missed + g.duplicated + g.outOfOrder + g.resets;
  const where = Object.entries(b.moved.to)
    .map(([name, n]) => `${n} to ${name}`)
    .join(', ');
  return [
    {
      ok: b.receivedFirstBatch === all,
      text: `${b.batch} events published on ${b.publishedOn[0]} reached ${b.receivedFirstBatch} of the ${all} clients connected to the ${b.replicas.length} replicas, in the stream's order and under its ids.`,
    },
    {
      ok:
        moved.clients > 0 &&
        b.moved.reconnected === moved.clients &&
        b.moved.withLastEventId >= moved.clients &&
        bad(moved) === 0,
      text: `After kill -9 ${b.killed}, ${b.moved.reconnected} of its ${moved.clients} clients reconnected (${where}), ${plural(b.moved.withLastEventId, 'request')} carrying Last-Event-ID, and got the ${b.batch} events published while they were away: ${plural(moved.missed, 'event')} missed, ${moved.duplicated} duplicated, ${plural(moved.resets, 'reset')}.`,
    },
    {
      ok: b.streamEntries === 3 * b.batch && bad(b.groups[0]) === 0 && bad(moved) === 0,
      text: `Every client saw the stream's ${b.streamEntries} events (${3 * b.batch} published) in its order: ${b.groups[0].missed + moved.missed} missed, ${b.groups[0].duplicated + moved.duplicated} duplicated, ${plural(b.groups[0].outOfOrder + moved.outOfOrder, 'client')} out of order.`,
    },
  ];
}

function broadcastTable(b: BroadcastMeasurements): Table {
  return {
    title: `SSE over one Redis stream: ${b.clientsPerReplica} EventSource clients on each of ${b.replicas.length} replicas, ${b.batch} events published on ${b.publishedOn[0]}, then kill -9 ${b.killed}, ${b.batch} more while its clients are away, ${b.batch} on ${b.publishedOn[2]}`,
    columns: ['clients', 'count', 'events each', 'missed', 'duplicated', 'out of order', 'resets'],
    rows: b.groups.map((g) => [
      g.name,
      String(g.clients),
      String(b.streamEntries),
      String(g.missed),
      String(g.duplicated),
      String(g.outOfOrder),
      String(g.resets),
    ]),
  };
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
  const over = perSecond(local.sent, local.spanMs) / m.quota.rate;
  const share = (s: ReplicaLimiterRun): string =>
    s.sent === 0 ? '0%' : `${((s.rejected / s.sent) * 100).toFixed(0)}%`;
  // "Holds the quota": at most 1% of the calls refused, and no more sent than the quota allows in that time.
  const callers = m.replicas * m.callersPerReplica;
  const tripsAllowed = shared.sent + 2 * callers + 2 * m.replicas;
  const held = shared.rejected * 100 <= shared.sent && shared.sent <= quotaAllows(m, shared);
  return [
    {
      ok: local.rejected > 0 && over > 1.5,
      text: `${m.replicas} replicas, each with its own Limiter at the quota's ${m.limiter.rate}/s, sent ${local.sent} calls in ${fmtMs(local.spanMs)} (${fmtX(over)} the quota): the API answered 429 to ${local.rejected} of them (${share(local)}).`,
    },
    {
      ok: held,
      text: `${shared.name}: ${local.sent} → ${shared.sent} calls, ${plural(shared.rejected, '429')} (${share(shared)}); the quota allows ${quotaAllows(m, shared)} in the ${fmtMs(shared.spanMs)} they took, and the busiest second saw ${shared.peakPerSecond} (quota ${m.quota.rate}/s + burst ${m.quota.burst}).`,
    },
    {
      // One round trip per wait; a wait still pending at the deadline costs a second one to give its reservation
      // back, and each replica's first call may load the script (NOSCRIPT, then EVALSHA again).
      ok: shared.sent > 0 && shared.redisRoundTrips <= tripsAllowed,
      text: `${shared.name} took ${shared.redisRoundTrips} Redis round trips for ${shared.sent} calls: one per wait, no polling (at most ${tripsAllowed} for ${callers} callers whose last waits were cut by the deadline).`,
    },
    ...broadcastConclusions(m.broadcast),
  ];
}
