/**
 * @module Child-process fixture for the end-to-end shutdown test: a server using gracefulShutdown and requestSignal,
 * with the default signal handlers and `exit` on, that reports its counts to the parent over IPC before exiting.
 *
 * Routes: `/work?ms=N` (N ms of abortable work, then a fixed body), `/fast` (the body at once, synchronously), `/slow` (headers at once, then a minute of
 * abortable work), `/gated` (answers when the parent sends 'release'), `/stream` (an SSE-like stream that ends with a
 * final event when the shutdown signal aborts), `/stubborn` (a stream that ignores it).
 */
import http from 'node:http';
import { sleep } from '../../../context/sleep.js';
import { requestSignal } from '../request-signal.js';
import { gracefulShutdown } from '../shutdown.js';
import { WORK_BODY } from './helpers.js';

const counts = { accepted: 0, finished: 0, workDone: 0, aborted: [] as string[] };
const gated: http.ServerResponse[] = [];

const server = http.createServer((req, res) => {
  counts.accepted++;
  res.on('finish', () => counts.finished++);
  const signal = requestSignal(req, res);
  const url = new URL(req.url ?? '/', 'http://fixture');
  const work = (ms: number, then: () => void): void => {
    sleep(ms, { signal }).then(then, (reason: unknown) => counts.aborted.push((reason as Error).name));
  };
  switch (url.pathname) {
    case '/work':
      return work(Number(url.searchParams.get('ms') ?? 0), () => {
        counts.workDone++;
        res.end(WORK_BODY);
      });
    case '/fast':
      counts.workDone++;
      res.end(WORK_BODY);
      return;
    case '/slow':
      res.writeHead(200).flushHeaders();
      return work(60_000, () => res.end());
    case '/gated':
      gated.push(res);
      process.send?.({ type: 'gated' });
      return;
    case '/stream': {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('data: hello\n\n');
      const bye = (): void => void res.end('event: bye\ndata: shutdown\n\n');
      lifecycle.signal.addEventListener('abort', bye, { once: true });
      res.on('close', () => lifecycle.signal.removeEventListener('abort', bye));
      return;
    }
    case '/stubborn':
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: hello\n\n');
      return;
    default:
      res.statusCode = 404;
      res.end();
  }
});

const lifecycle = gracefulShutdown(server, {
  timeoutMs: Number(process.env['SHUTDOWN_TIMEOUT_MS'] ?? 10_000),
});
lifecycle.signal.addEventListener('abort', () => process.send?.({ type: 'draining' }), { once: true });
lifecycle.onShutdown(
  () =>
    new Promise<void>((resolve) =>
      process.send?.({ type: 'report', ...counts }, undefined, {}, () => resolve()),
    ),
);

process.on('message', (message) => {
  if (message === 'release') for (const res of gated.splice(0)) res.end(WORK_BODY);
});
// The IPC channel would keep the process alive on its own; only the shutdown decides when this process ends.
process.channel?.unref();

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ type: 'listening', port });
});
