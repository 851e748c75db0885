/**
 * @module The deployment API of section 1: a fixed number of workers, a bounded queue, 503 beyond it.
 */
import { keyedLognormal } from '../lib/prng.js';
import { InFlight, listen, pause, sendJson, type Running } from './server.js';

/** The deployment API's capacity model (documented in packages/demo/README.md). */
export interface DeployApiOptions {
  seed: number;
  /** Deployments processed at once. Default 20. */
  workers?: number;
  /** Requests that may wait for a worker; one more is answered 503 at once. Default 100. */
  maxQueue?: number;
  /** A request that waited this long for a worker is answered 503. Default 1,000 ms. */
  queueTimeoutMs?: number;
  /** Median service time of one deployment; each id's time is a seeded log-normal draw. Default 20 ms. */
  medianMs?: number;
  /** Log-normal shape. Default 0.6 (p99 about 4x the median: stragglers). */
  sigma?: number;
}

/** What the deployment API observed since the last reset. */
export interface DeployApiStats {
  peakInFlight: number;
  accepted: number;
  rejected: number;
}

/** A running deployment API. `POST /deployments/<id>` triggers one deployment. */
export interface DeployApi extends Running {
  /** The service time the model gives deployment `id` when the API is not overloaded. */
  baseServiceMs(id: number): number;
  stats(): DeployApiStats;
  resetStats(): void;
}

/**
 * Starts the deployment API. Model: `workers` deployments run at once, each taking its seeded service time; further
 * requests wait FIFO in a queue of `maxQueue`; while anyone waits the workers slow down by `1 + 3 * queued / maxQueue`
 * (an overloaded service thrashes); a full queue or a wait past `queueTimeoutMs` answers 503.
 * A 202 carries the actual service time in `x-service-ms`.
 *
 * @param options - the model's parameters; `seed` makes latencies reproducible.
 * @returns the running service.
 * @example
 * ```ts
 * const api = await startDeployApi({ seed: 42 });
 * await fetch(`${api.url}/deployments/1`, { method: 'POST' });
 * ```
 */
/**
 * How much slower a worker gets with a full queue, minus one: at a full queue each deployment takes 4x its time. An
 * overloaded service thrashes (context switches, GC, lock contention), so once the queue fills, its service rate
 * falls below the arrival rate and it stays full: the crash the talk starts from.
 */
const OVERLOAD = 3;

export async function startDeployApi(options: DeployApiOptions): Promise<DeployApi> {
  const { seed, workers = 20, maxQueue = 100, queueTimeoutMs = 1_000, medianMs = 20, sigma = 0.6 } = options;
  const inFlight = new InFlight();
  const queue: Array<() => void> = [];
  let busy = 0;
  let accepted = 0;
  let rejected = 0;
  const baseServiceMs = (id: number): number => keyedLognormal(seed, `deploy-${id}`, medianMs, sigma);

  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else busy--;
  };
  // Resolves true when a worker is ours, false when the wait timed out or the client left.
  const admit = (signal: AbortSignal): Promise<boolean> => {
    if (busy < workers) {
      busy++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', leave);
        resolve(true);
      };
      const leave = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', leave);
        const at = queue.indexOf(grant);
        if (at >= 0) queue.splice(at, 1);
        resolve(false);
      };
      const timer = setTimeout(leave, queueTimeoutMs);
      signal.addEventListener('abort', leave, { once: true });
      queue.push(grant);
    });
  };

  const running = await listen(async (req, res) => {
    const match = /^\/deployments\/(\d+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return sendJson(res, 404, { error: 'not found' });
    const id = Number(match[1]);
    const leave = inFlight.enter();
    const gone = new AbortController();
    res.once('close', () => {
      leave();
      gone.abort();
    });
    if (busy >= workers && queue.length >= maxQueue) {
      rejected++;
      return sendJson(res, 503, { error: 'deploy api overloaded: queue full', id });
    }
    if (!(await admit(gone.signal))) {
      rejected++;
      if (!gone.signal.aborted) sendJson(res, 503, { error: 'deploy api overloaded: queue timeout', id });
      return;
    }
    const serviceMs = baseServiceMs(id) * (1 + (OVERLOAD * queue.length) / maxQueue);
    await pause(serviceMs, gone.signal);
    release();
    if (gone.signal.aborted) return;
    accepted++;
    sendJson(res, 202, { id, status: 'deployed' }, { 'x-service-ms': serviceMs.toFixed(3) });
  });

  return {
    ...running,
    baseServiceMs,
    stats: () => ({ peakInFlight: inFlight.peak, accepted, rejected }),
    resetStats: () => {
      inFlight.reset();
      accepted = rejected = 0;
    },
  };
}
