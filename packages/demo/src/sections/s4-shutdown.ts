/**
 * @module Section 4, graceful shutdown: the app server as a child process, SSE subscribers and load, then SIGTERM.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { call } from '../lib/client.js';
import { createRng, hash } from '../lib/prng.js';
import { measureStrategy } from '../lib/measure.js';
import type { AppStats } from '../services/app-server.js';
import { shutdownConclusions, shutdownTables, type ShutdownMeasurements } from './s4-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

const ENTRY = fileURLToPath(new URL('../services/app-server-main.ts', import.meta.url));

/** The child's messages. */
type ChildMessage = { type: 'ready'; port: number } | { type: 'stats'; stats: AppStats };

/** Subscribes to `/events` with a plain streaming parser; resolves when the stream ends. */
function subscribe(url: string): Promise<{ events: number; final: boolean }> {
  return new Promise((resolve) => {
    let buffer = '';
    let events = 0;
    let final = false;
    const req = http.get(`${url}/events`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (/^data:/m.test(block)) events++;
          if (/^event: ?shutdown$/m.test(block)) final = true;
        }
      });
      res.on('close', () => resolve({ events, final }));
    });
    req.on('error', () => resolve({ events, final }));
  });
}

/** One request on a fresh connection (no keep-alive): how a new client arriving during the drain is treated. */
function freshConnection(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/**
 * Runs section 4: starts the app server child, loads it, sends SIGTERM and counts what happened to everything.
 * @param opts - seed, quick, progress.
 * @returns the section's result.
 * @example
 * ```ts
 * const result = await runShutdown({ seed: 42, quick: true });
 * ```
 */
export async function runShutdown(opts: RunOptions): Promise<SectionBody<ShutdownMeasurements>> {
  const subscribers = opts.quick ? 10 : 50;
  const longCount = opts.quick ? 10 : 30;
  const hangUps = opts.quick ? 4 : 10;
  const loadWorkers = 4;
  const newAttempts = opts.quick ? 5 : 20;
  const readinessDelayMs = 100;
  const sigtermAtMs = opts.quick ? 200 : 400;
  const rng = createRng(hash(opts.seed, 'section-4'));

  const child = fork(ENTRY, [], {
    execArgv: ['--conditions=source', '--import', import.meta.resolve('tsx')],
    env: { ...process.env, READINESS_DELAY_MS: String(readinessDelayMs), SHUTDOWN_TIMEOUT_MS: '5000' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stats: AppStats | undefined;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') resolve(m.port);
        if (m.type === 'stats') stats = m.stats;
      });
      void exited.then((code) => reject(new Error(`app server exited early with code ${code}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const { timeline, value: run } = await measureStrategy(
      { name: 'SIGTERM during load' },
      opts,
      async (rec) => {
        const sse = Array.from({ length: subscribers }, () =>
          rec.track(
            () => subscribe(url),
            (s) => (s.final ? 200 : 'no final event'),
          ),
        );
        const longMs = Array.from({ length: longCount }, () =>
          Math.round(Math.max(300, rng.lognormal(opts.quick ? 350 : 700, 0.3))),
        );
        const long = longMs.map((ms) =>
          rec.track(
            () => call<{ done: boolean }>(`${url}/work?ms=${ms}`),
            (r) => (r.body?.done === true ? r.status : (r.error ?? r.status)),
          ),
        );
        const hung = Array.from({ length: hangUps }, () =>
          rec.track(
            () =>
              call(`${url}/work?ms=10000`, { signal: AbortSignal.timeout(100) }).catch(
                () => 'hung up' as const,
              ),
            (r) => (r === 'hung up' ? r : r.status),
          ),
        );
        let stopLoad = false;
        let loadDone = 0;
        let loadFailed = 0;
        const load = Array.from({ length: loadWorkers }, async () => {
          while (!stopLoad) {
            const r = await rec.track(
              () => call<{ done: boolean }>(`${url}/work?ms=20`),
              (reply) => (reply.body?.done === true ? reply.status : (reply.error ?? reply.status)),
            );
            if (r.body?.done === true) loadDone++;
            else loadFailed++;
          }
        });

        await new Promise((resolve) => setTimeout(resolve, sigtermAtMs));
        // A load balancer stops routing new requests once the readiness probe fails; the load generator stops here too.
        stopLoad = true;
        const sigtermAt = rec.event('SIGTERM');
        child.kill('SIGTERM');
        // Margin past the readiness delay for signal delivery on a busy machine; the listener is closed by then.
        await new Promise((resolve) => setTimeout(resolve, readinessDelayMs + 200));
        const attempts = await Promise.all(
          Array.from({ length: newAttempts }, () =>
            rec.track(
              () => freshConnection(url),
              (s) => (s === '200' ? 200 : s),
            ),
          ),
        );
        const [sseResults, longResults] = await Promise.all([
          Promise.all(sse),
          Promise.all(long),
          Promise.all(hung),
          Promise.all(load),
        ]);
        const code = await exited;
        return {
          sigtermAt,
          exitAt: rec.now(),
          code,
          sseResults,
          longResults,
          attempts,
          longMs,
          loadDone,
          loadFailed,
        };
      },
    );
    const { sigtermAt, exitAt, code, sseResults, longResults, attempts, longMs, loadDone, loadFailed } = run;

    const measurements: ShutdownMeasurements = {
      sigtermAtMs: sigtermAt,
      drainMs: exitAt - sigtermAt,
      longestRequestMs: Math.max(...longMs),
      exitCode: code,
      sse: { subscribers, gotFinalEvent: sseResults.filter((s) => s.final).length },
      inFlight: {
        sent: longCount,
        completed: longResults.filter((r) => r.status === 200 && r.body?.done === true).length,
      },
      load: { completed: loadDone, failed: loadFailed },
      newConnections: { attempts: newAttempts, refused: attempts.filter((a) => a === 'ECONNREFUSED').length },
      hangUps: { sent: hangUps, cancelledAtBackend: stats?.backendCancelled ?? -1 },
      backend: stats ?? { backendStarted: -1, backendCompleted: -1, backendCancelled: -1, published: -1 },
    };
    return {
      measurements,
      tables: shutdownTables(measurements),
      timelines: [timeline],
      conclusions: shutdownConclusions(measurements),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}
