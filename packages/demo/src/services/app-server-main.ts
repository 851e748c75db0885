/**
 * @module Entry point of the app server child process (section 4): graceful shutdown on SIGTERM, stats over IPC.
 *
 * Messages to the parent: `{ type: 'ready', port }` once listening, `{ type: 'stats', stats }` when drained.
 * Environment: `READINESS_DELAY_MS` (default 100), `SHUTDOWN_TIMEOUT_MS` (default 5000).
 */
import { gracefulShutdown } from 'goscale';
import type { AddressInfo } from 'node:net';
import { createAppServer } from './app-server.js';

// The readiness probe reads `lifecycle`, which exists before the server listens and so before any request.
const app = createAppServer(() => lifecycle.ready);
const lifecycle = gracefulShutdown(app.server, {
  signals: ['SIGTERM', 'SIGINT'],
  readinessDelayMs: Number(process.env.READINESS_DELAY_MS ?? 100),
  timeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 5_000),
  exit: true,
});
// SSE streams never end by themselves: end them, with a final event, as soon as the drain starts.
lifecycle.signal.addEventListener(
  'abort',
  () => app.broker.close({ event: { event: 'shutdown', data: 'server going away' } }),
  { once: true },
);
lifecycle.onShutdown(
  () =>
    new Promise<void>((resolve) => {
      if (process.send) process.send({ type: 'stats', stats: app.stats }, () => resolve());
      else resolve();
    }),
);
app.startPublishing(50, lifecycle.signal);
app.server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  const { port } = app.server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});
