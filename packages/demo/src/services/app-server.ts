/**
 * @module The app server of section 4: an SSE endpoint, long requests backed by cancellable backend work.
 */
import http from 'node:http';
import { Broker, requestSignal, sleep } from 'goscale';

/** What the app server counted. Sent to the demo over IPC when it shuts down. */
export interface AppStats {
  /** Backend calls started by `/work` requests. */
  backendStarted: number;
  /** Backend calls that ran to the end and were answered. */
  backendCompleted: number;
  /** Backend calls stopped because their client hung up (their request signal aborted). */
  backendCancelled: number;
  /** SSE events published while the server ran. */
  published: number;
}

/** An app server, not yet listening. */
export interface AppServer {
  readonly server: http.Server;
  readonly broker: Broker;
  readonly stats: AppStats;
  /** Starts publishing a `progress` event every `everyMs` until `signal` aborts. */
  startPublishing(everyMs: number, signal: AbortSignal): void;
}

/**
 * Creates the app server. Routes: `GET /events` (SSE, topic `deploys`), `GET /work?ms=N` (a request whose backend
 * call takes N ms and stops when the client hangs up), `GET /health` (200 while `isReady()`, else 503).
 *
 * @param isReady - the readiness probe's answer (from `gracefulShutdown(...).ready`).
 * @returns the server and its counters.
 * @example
 * ```ts
 * const app = createAppServer(() => true);
 * app.server.listen(0, '127.0.0.1');
 * ```
 */
export function createAppServer(isReady: () => boolean): AppServer {
  const broker = new Broker({ heartbeatMs: 1_000 });
  const stats: AppStats = { backendStarted: 0, backendCompleted: 0, backendCancelled: 0, published: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/events') {
      broker.connect(req, res, { topics: ['deploys'] });
      return;
    }
    if (url.pathname === '/health') {
      res
        .writeHead(isReady() ? 200 : 503, { 'content-type': 'text/plain' })
        .end(isReady() ? 'ok' : 'draining');
      return;
    }
    if (url.pathname === '/work') {
      const ms = Number(url.searchParams.get('ms') ?? '100');
      const signal = requestSignal(req, res);
      stats.backendStarted++;
      // The "backend call": a wait that the request's signal cancels, as a database driver or fetch would be.
      sleep(ms, { signal }).then(
        () => {
          stats.backendCompleted++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ done: true, ms }));
        },
        () => {
          stats.backendCancelled++;
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  return {
    server,
    broker,
    stats,
    startPublishing(everyMs, signal) {
      let n = 0;
      const timer = setInterval(() => {
        broker.publish('deploys', { event: 'progress', data: { n: ++n } });
        stats.published++;
      }, everyMs);
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    },
  };
}
