/**
 * @module Section 3's measurements, tables and conclusions (pure functions of the measurements).
 */
import { plural, speedPhrase, speedup } from '../lib/conclude.js';
import { fmtErrors, fmtMs, fmtX } from '../lib/format.js';
import type { Conclusion, Table } from './types.js';

/** One strategy's numbers. */
export interface RateLimitStrategy {
  name: string;
  wallMs: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  servicePeakInFlight: number;
  /** An adaptive strategy's limit when it finished. */
  finalLimit?: number;
}

/** Everything section 3 measured. `strategies` is [unthrottled, Limiter, concurrency cap, adaptive]. */
export interface RateLimitMeasurements {
  queries: number;
  model: { knee: number; medianMs: number; statementTimeoutMs: number };
  strategies: RateLimitStrategy[];
  race: { increments: number; racyFinal: number; mutexFinal: number };
}

/** The talk's "10s -> 1.5s" as a ratio. */
export const TALK_RATIO = 10 / 1.5;

/**
 * The section's tables, from the measurements alone (the terminal and the HTML report render the same tables).
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * rateLimitTables(result.measurements).map((t) => t.title);
 * ```
 */
export function rateLimitTables(m: RateLimitMeasurements): Table[] {
  return [
    {
      title: `${m.queries} queries against a database that slows past ${m.model.knee} concurrent queries`,
      columns: ['strategy', 'wall time', 'ok', 'errors', 'peak in-flight (service)'],
      rows: m.strategies.map((s) => [
        s.name,
        fmtMs(s.wallMs),
        String(s.ok),
        fmtErrors(s.errors),
        String(s.servicePeakInFlight),
      ]),
    },
    {
      title: `${m.race.increments} concurrent read-modify-write increments of one counter`,
      columns: ['strategy', 'final value', 'lost updates'],
      rows: [
        ['read, await, write', String(m.race.racyFinal), String(m.race.increments - m.race.racyFinal)],
        ['inside Mutex.withLock', String(m.race.mutexFinal), String(m.race.increments - m.race.mutexFinal)],
      ],
    },
  ];
}

/**
 * Section 3's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions.
 * @example
 * ```ts
 * rateLimitConclusions(result.measurements).every((c) => c.ok);
 * ```
 */
export function rateLimitConclusions(m: RateLimitMeasurements): Conclusion[] {
  const [flood, limiter, cap] = m.strategies as [RateLimitStrategy, RateLimitStrategy, RateLimitStrategy];
  const best = limiter.wallMs <= cap.wallMs ? limiter : cap;
  const ratio = speedup(best.wallMs, flood.wallMs);
  const out: Conclusion[] = [
    {
      ok: flood.failed > 0 || flood.wallMs > best.wallMs,
      text: `Unthrottled, the database saw ${flood.servicePeakInFlight} queries at once (knee ${m.model.knee}): ${flood.failed > 0 ? `${plural(flood.failed, 'query', 'queries')} failed (${fmtErrors(flood.errors)})` : 'none failed'} and it took ${fmtMs(flood.wallMs)}.`,
    },
  ];
  for (const s of [limiter, cap]) {
    out.push({
      ok: s.failed === 0 && s.wallMs < flood.wallMs,
      text: `${s.name}: ${plural(s.failed, 'error')}, peak ${s.servicePeakInFlight} in flight, ${fmtMs(s.wallMs)}: ${speedPhrase(s.wallMs, flood.wallMs)} unthrottled.`,
    });
  }
  out.push({
    ok: ratio >= TALK_RATIO && best.failed === 0,
    claim: '10s -> 1.5s',
    text: `${ratio >= TALK_RATIO && best.failed === 0 ? 'Supported' : 'Not supported by this run'}: ${fmtMs(flood.wallMs)} -> ${fmtMs(best.wallMs)} (${fmtX(ratio)}; the talk's numbers are ${fmtX(TALK_RATIO)})${flood.failed > 0 ? `, and the unthrottled run also lost ${flood.failed} queries` : ''}.`,
  });
  const lost = m.race.increments - m.race.racyFinal;
  out.push({
    ok: lost > 0 && m.race.mutexFinal === m.race.increments,
    text: `A read-modify-write across an await lost ${plural(lost, 'update')} of ${m.race.increments}; inside Mutex.withLock the counter reached ${m.race.mutexFinal} of ${m.race.increments}.`,
  });
  const adaptive = m.strategies[3];
  if (adaptive !== undefined) {
    // How close the limit that found the knee by itself came to the hand-tuned cap (the knee, told in advance).
    const share = cap.wallMs / adaptive.wallMs;
    out.push({
      ok: share >= 0.9 && adaptive.failed === 0,
      text: `${adaptive.name}, told nothing about the knee, settled at a limit of ${adaptive.finalLimit ?? '?'} (knee ${m.model.knee}) with ${plural(adaptive.failed, 'error')} and ${(share * 100).toFixed(0)}% of the throughput of ${cap.name} (${fmtMs(adaptive.wallMs)} against ${fmtMs(cap.wallMs)}).`,
    });
  }
  return out;
}
