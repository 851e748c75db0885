/**
 * @module The live dashboard's server: the page, a JSON API to start runs, and every event over goscale's own SSE
 * `Broker`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Broker, gracefulShutdown } from 'goscale/http';
import { agent } from '../lib/client.js';
import {
  SECTIONS,
  SECTION_NUMBERS,
  runSection,
  type RunOptions,
  type SectionResult,
} from '../sections/index.js';
import type { DashboardEvent, Unstamped } from './protocol.js';
import { RunStream } from './run-stream.js';
import { TALK_PLAN, TALK_TIME, backupSlides } from './talk.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Seed for every run (as `--seed`). */
  seed: number;
  /** Whether the page's quick switch starts on. */
  quick: boolean;
  /** Signals that stop the server (the CLI: SIGINT, SIGTERM); default none. */
  signals?: readonly NodeJS.Signals[];
  /** Exit the process once stopped by a signal (the CLI); default false. */
  exit?: boolean;
  /** Runs a section; default {@link runSection}. Tests pass one that waits on a gate. */
  runSection?: (n: number, opts: RunOptions) => Promise<SectionResult>;
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** The latest result of each section that ran, by section number. */
  readonly results: ReadonlyMap<number, SectionResult>;
  /** Stops serving: ends every event stream, drains, waits for a run in progress to finish. */
  close(): Promise<void>;
}

const PUBLIC = new URL('./public/', import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const TOPIC = 'demo';

type Stamped = DashboardEvent & { id: string };

/** The one run that may be going. */
interface Running {
  run: number;
  section: number;
  startedAt: number;
  done: Promise<void>;
}

/**
 * Starts the dashboard on 127.0.0.1. One run at a time: `POST /api/run?section=N` while another runs answers 409 with
 * what is running. Every event has the id `<boot>.<seq>`; a page that reconnects sends the last one it saw and the
 * Broker replays what it missed (history of 20,000 events); after a restart the id is unknown, the Broker says
 * `goscale-reset`, and the page reloads its state from `GET /api/state`.
 * @param options - port, seed, quick.
 * @returns the running dashboard.
 * @example
 * ```ts
 * const dashboard = await startDashboard({ port: 0, seed: 42, quick: true });
 * console.log(dashboard.url);
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { port = 0, seed, quick, signals = [], exit = false, runSection: runOne = runSection } = options;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`dashboard: expected a port from 0 to 65535, got \`${port}\``);
  }
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    assets.set(path, { body: await readFile(new URL(file, PUBLIC)), type });
  }

  const boot = randomUUID().slice(0, 8);
  const broker = new Broker({ historySize: 20_000, bufferSize: 4096, retryMs: 1000 });
  let seq = 0;
  let runs = 0;
  let running: Running | undefined;
  const results = new Map<number, SectionResult>();
  // What a page that loads now must replay: each section's latest run, and the latest backup slides.
  const logs = new Map<number, Stamped[]>();
  let backup: Stamped | undefined;

  const publish = (event: Unstamped<DashboardEvent>): Stamped => {
    seq++;
    const stamped = { ...event, boot, seq, id: `${boot}.${seq}` };
    const { id, ...data } = stamped;
    broker.publish(TOPIC, { id, data: JSON.stringify(data) });
    if (stamped.type === 'backup') backup = stamped;
    else logs.get(stamped.section)?.push(stamped);
    return stamped;
  };

  const start = (section: number, quickRun: boolean): Running => {
    const run = ++runs;
    const startedAt = Date.now();
    const title = SECTIONS[section]!.title;
    logs.set(section, []);
    publish({ type: 'run-start', run, section, title, quick: quickRun, seed, startedAt });
    const stream = new RunStream((items) => publish({ type: 'frame', run, section, items }));
    const t0 = performance.now();
    const done = (async () => {
      try {
        const result = await runOne(section, {
          seed,
          quick: quickRun,
          watcher: stream,
          progress: stream.progress,
        }).finally(() => stream.close());
        results.set(section, result);
        publish({
          type: 'result',
          run,
          section,
          title,
          tables: result.tables,
          conclusions: result.conclusions,
          timelines: result.timelines.map((t) => ({
            strategy: t.strategy,
            wallMs: t.wallMs,
            bars: t.bars.length,
            errors: t.errors,
            clientPeakInFlight: t.clientPeakInFlight,
          })),
          measurements: result.measurements,
        });
        publish({ type: 'run-end', run, section, ok: true, ms: performance.now() - t0 });
        publish({ type: 'backup', slides: backupSlides(results) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        publish({ type: 'run-end', run, section, ok: false, error: message, ms: performance.now() - t0 });
      } finally {
        running = undefined;
      }
    })();
    return { run, section, startedAt, done };
  };

  // The questions' slides exist before any run, saying which section would measure their numbers.
  publish({ type: 'backup', slides: backupSlides(results) });

  const state = (): unknown => ({
    boot,
    seq,
    seed,
    quick,
    sections: SECTION_NUMBERS.map((n) => ({ section: n, title: SECTIONS[n]!.title })),
    talk: { plan: TALK_PLAN, time: TALK_TIME },
    running: running && { run: running.run, section: running.section, startedAt: running.startedAt },
    events: [...[...logs.values()].flat(), ...(backup ? [backup] : [])].sort((a, b) => a.seq - b.seq),
  });

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const asset = assets.get(url.pathname);
    if (asset && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': asset.type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (url.pathname === '/events' && req.method === 'GET') {
      broker.connect(req, res, { topics: [TOPIC] });
      return;
    }
    if (url.pathname === '/api/state' && req.method === 'GET') return json(res, 200, state());
    if (url.pathname === '/api/results' && req.method === 'GET') {
      return json(res, 200, Object.fromEntries(results));
    }
    if (url.pathname === '/api/run') {
      if (req.method !== 'POST') return json(res, 405, { error: `use POST for /api/run, not ${req.method}` });
      const asked = url.searchParams.get('section') ?? '';
      const n = Number(asked);
      if (asked === '' || !Number.isSafeInteger(n)) {
        return json(res, 400, { error: `expected ?section= to be a section number, got \`${asked}\`` });
      }
      if (SECTIONS[n] === undefined) {
        return json(res, 404, {
          error: `no section \`${asked}\`: the sections are ${SECTION_NUMBERS.join(', ')}`,
        });
      }
      const quickParam = url.searchParams.get('quick');
      if (quickParam !== null && quickParam !== 'true' && quickParam !== 'false') {
        return json(res, 400, { error: `expected ?quick= to be true or false, got \`${quickParam}\`` });
      }
      if (running !== undefined) {
        const secs = ((Date.now() - running.startedAt) / 1000).toFixed(1);
        return json(res, 409, {
          error: `section ${running.section} (${SECTIONS[running.section]!.title}) is still running (started ${secs} s ago): one run at a time; try again when it ends`,
          running: { run: running.run, section: running.section },
        });
      }
      running = start(n, quickParam === null ? quick : quickParam === 'true');
      return json(res, 202, { run: running.run, section: n });
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
  };

  const server = http.createServer(handle);
  const lifecycle = gracefulShutdown(server, { signals, exit, timeoutMs: 5000 });
  // Streams never end by themselves: end them as the drain starts, or it would wait for its deadline.
  lifecycle.signal.addEventListener('abort', () => broker.close(), { once: true });
  lifecycle.onShutdown(async () => {
    await running?.done;
    agent.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    results,
    close: () => lifecycle.shutdown(),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
