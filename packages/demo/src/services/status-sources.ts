/**
 * @module The CI/CD status sources of section 2: five endpoints with different latencies, any of which can hang.
 */
import { keyedLognormal } from '../lib/prng.js';
import { InFlight, listen, pause, sendJson, type Running } from './server.js';

/** The five sources and the median latency of each (ms). */
export const SOURCE_MEDIANS = {
  ci: 140,
  cd: 90,
  git: 40,
  imageScan: 220,
  deployment: 70,
} as const satisfies Record<string, number>;

/** A status source's name. */
export type SourceName = keyof typeof SOURCE_MEDIANS;

/** Every source name, in the order the sequential strategy calls them. */
export const SOURCE_NAMES = Object.keys(SOURCE_MEDIANS) as SourceName[];

/** Options of {@link startStatusSources}. */
export interface StatusSourcesOptions {
  seed: number;
  /** Multiplies every median (the `--quick` run uses less than 1). Default 1. */
  scale?: number;
}

/** Running status sources. `GET /status/<name>` answers `{ source, state, latencyMs }`. */
export interface StatusSources extends Running {
  /** The latency the model gives the `n`-th call (from 0) to `name`. */
  latencyMs(name: SourceName, n: number): number;
  /** Makes `name` hang: its requests are never answered until the client gives up. */
  setHang(name: SourceName, hang: boolean): void;
  /** Requests now waiting on a hanging source. */
  readonly hanging: number;
  peakInFlight(): number;
  /** Starts a new peak window and restarts every source's call count, so the next strategy sees the same latencies. */
  resetStats(): void;
}

/**
 * Starts the status sources. Model: each call to a source takes a seeded log-normal time around its median
 * (sigma 0.1: the sources differ far more than the calls to one source do); a hanging source holds the request open
 * and never answers, releasing it only when the client disconnects.
 *
 * @param options - seed and scale.
 * @returns the running sources.
 * @example
 * ```ts
 * const src = await startStatusSources({ seed: 42 });
 * src.setHang('imageScan', true);
 * ```
 */
export async function startStatusSources(options: StatusSourcesOptions): Promise<StatusSources> {
  const { seed, scale = 1 } = options;
  const hang = new Set<SourceName>();
  const calls = new Map<SourceName, number>();
  const inFlight = new InFlight();
  let hanging = 0;
  const latencyMs = (name: SourceName, n: number): number =>
    keyedLognormal(seed, `${name}-${n}`, SOURCE_MEDIANS[name] * scale, 0.1);

  const running = await listen(async (req, res) => {
    const name = /^\/status\/(\w+)$/.exec(req.url ?? '')?.[1] as SourceName | undefined;
    if (name === undefined || !(name in SOURCE_MEDIANS))
      return sendJson(res, 404, { error: 'no such source' });
    const leave = inFlight.enter();
    const gone = new AbortController();
    res.once('close', () => {
      leave();
      gone.abort();
    });
    if (hang.has(name)) {
      hanging++;
      await pause(2 ** 31 - 1, gone.signal);
      hanging--;
      return;
    }
    const n = calls.get(name) ?? 0;
    calls.set(name, n + 1);
    const ms = latencyMs(name, n);
    await pause(ms, gone.signal);
    if (!gone.signal.aborted) sendJson(res, 200, { source: name, state: 'green', latencyMs: Math.round(ms) });
  });

  return {
    ...running,
    latencyMs,
    setHang: (name, on) => void (on ? hang.add(name) : hang.delete(name)),
    get hanging() {
      return hanging;
    },
    peakInFlight: () => inFlight.peak,
    resetStats: () => {
      inFlight.reset();
      calls.clear();
    },
  };
}
