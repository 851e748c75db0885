/**
 * @module Benchmarks hibernating 1,000 workloads against an API with 25 ms latency and a 400 QPS limit (429 beyond):
 * sequential, batches of 5 (the talk's "before"), and goscale-hibernate's engine (goscale `map` + `Limiter`), each
 * against the bound the QPS limit sets.
 */
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../src/kube/client.js';
import { loadConfig } from '../src/kube/config.js';
import { act } from '../src/run/act.js';
import { run } from '../src/run/run.js';
import { KINDS } from '../src/workload/kinds.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { KubeServerStats } from '../src/testing/kube-server.js';
import { fmtRatio, goal, report } from '../../../bench/harness.js';

const WORKLOADS = 1_000;
const LATENCY_MS = 25;
const SERVER_QPS = 400;
const SERVER_BURST = 40;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// goscale-hibernate's flags for this API: 95% of its QPS, half its burst, and 16 in flight: 400/s × 25 ms needs 10,
// and the in-flight bound also caps how many requests can leave at once when the client's event loop stalls (the
// Limiter then grants the tokens it owes together), keeping such a bunch under what the server's bucket holds.
const CLIENT = { qps: 380, burst: 20, concurrency: 16 };

interface Sample {
  wallMs: number;
  requests: number;
  throttled: number;
  hibernated: number;
}

const never = new AbortController().signal;
setMaxListeners(Infinity, never);

/** Starts the API in its own process; `send` writes a command and resolves with the reply line. */
async function startApi(): Promise<{ kubeconfig: string; send: (cmd: string) => Promise<unknown> }> {
  const script = fileURLToPath(new URL('./api-process.ts', import.meta.url));
  const args = [WORKLOADS, LATENCY_MS, SERVER_QPS, SERVER_BURST].map(String);
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> =>
    JSON.parse(((await lines.next()).value as string | undefined) ?? 'null');
  const { kubeconfig } = (await next()) as { kubeconfig: string };
  return {
    kubeconfig,
    send: (cmd) => {
      child.stdin.write(`${cmd}\n`);
      return next();
    },
  };
}

async function round(strategy: string): Promise<Sample> {
  const api = await startApi();
  let stats: KubeServerStats | undefined;
  try {
    const { kc } = loadConfig({ kubeconfig: api.kubeconfig });
    // Let the server's bucket fill, so every strategy starts from the same full burst.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api.send('reset');
    const start = performance.now();
    let hibernated = 0;
    if (strategy === 'goscale-hibernate') {
      const client = new KubeClient(kc, { qps: CLIENT.qps, burst: CLIENT.burst });
      const r = await run(client, {
        command: 'hibernate',
        namespace: 'shop',
        selector: undefined,
        kinds: ['Deployment'],
        excludedNamespaces: new Set(),
        dryRun: false,
        concurrency: CLIENT.concurrency,
        stop: never,
        abort: never,
      });
      hibernated = r.summary.actions!.hibernated;
      client.close();
    } else {
      // The talk's code: no client-side limit (client-node has none); 429s, if any, are still waited out.
      const client = new KubeClient(kc, { qps: Infinity, burst: 1, max429: 1000 });
      const items = await client.list(KINDS.Deployment!, 'shop', undefined);
      const opts = {
        command: 'hibernate' as const,
        dryRun: false,
        maxAttempts: 5,
        ctx: {},
        stop: never,
        abort: never,
      };
      const size = strategy === 'sequential' ? 1 : 5;
      for (let i = 0; i < items.length; i += size) {
        const done = await Promise.all(items.slice(i, i + size).map((w) => act(client, w, opts)));
        hibernated += done.filter((d) => d.action === 'hibernated').length;
      }
      client.close();
    }
    const wallMs = performance.now() - start;
    stats = (await api.send('stats')) as KubeServerStats;
    return { wallMs, requests: stats.requests, throttled: stats.throttled, hibernated };
  } finally {
    if (stats === undefined) await api.send('stats');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const strategies = ['sequential', 'batches of 5', 'goscale-hibernate'];
const samples = new Map<string, Sample[]>(strategies.map((s) => [s, []]));
// Rounds alternate the strategies, so a noisy neighbour slows them alike.
for (let r = 0; r < ROUNDS; r++) {
  for (const s of strategies) {
    const sample = await round(s);
    if (sample.hibernated !== WORKLOADS)
      throw new Error(`${s}: hibernated ${sample.hibernated} of ${WORKLOADS}`);
    samples.get(s)!.push(sample);
    process.stderr.write(
      `hibernate bench: round ${r + 1}/${ROUNDS} ${s}: ${(sample.wallMs / 1000).toFixed(2)} s, ${sample.throttled} × 429\n`,
    );
  }
}

const rows = [
  [
    'strategy',
    'wall time (median)',
    'spread (min–max)',
    'requests',
    'QPS bound',
    'wall / bound',
    '429s (total)',
  ],
];
const ratio = new Map<string, number>();
for (const s of strategies) {
  const xs = samples.get(s)!;
  const wall = median(xs.map((x) => x.wallMs));
  const requests = median(xs.map((x) => x.requests));
  const boundMs = (requests / SERVER_QPS) * 1000;
  ratio.set(s, wall / boundMs);
  rows.push([
    s,
    `${(wall / 1000).toFixed(2)} s`,
    `${(Math.min(...xs.map((x) => x.wallMs)) / 1000).toFixed(2)}–${(Math.max(...xs.map((x) => x.wallMs)) / 1000).toFixed(2)} s`,
    String(requests),
    `${(boundMs / 1000).toFixed(2)} s`,
    `${(wall / boundMs).toFixed(2)}x`,
    String(xs.reduce((a, x) => a + x.throttled, 0)),
  ]);
}
const ours = ratio.get('goscale-hibernate')!;
const throttled = samples.get('goscale-hibernate')!.reduce((a, x) => a + x.throttled, 0);
const speedup =
  median(samples.get('batches of 5')!.map((x) => x.wallMs)) /
  median(samples.get('goscale-hibernate')!.map((x) => x.wallMs));

report('hibernate.bench.ts', [
  {
    title: `hibernate: ${WORKLOADS} workloads, ${LATENCY_MS} ms API latency, ${SERVER_QPS} QPS server limit`,
    description: `Each round starts a fresh loopback https API (packages/hibernate/src/testing/kube-server.ts in a process of its own: ${LATENCY_MS} ms per request, 429 with Retry-After beyond ${SERVER_QPS} QPS, burst ${SERVER_BURST}) with ${WORKLOADS} Deployments, lists them and hibernates every one with one JSON Patch each, through the real @kubernetes/client-node. goscale-hibernate is its engine in-process (run(), as the CLI calls it, without the process start) with --qps ${CLIENT.qps} --burst ${CLIENT.burst} --concurrency ${CLIENT.concurrency}. The QPS bound is requests / ${SERVER_QPS} per second. ${ROUNDS} rounds, strategies alternating; median and spread.`,
    rows,
    notes: [
      goal(
        ours <= 1.15 && throttled === 0,
        `goscale-hibernate took ${ours.toFixed(2)}x the QPS bound (goal: within 1.15x) with ${throttled} 429s (goal: 0).`,
      ),
      `goscale-hibernate was ${fmtRatio(speedup)} faster than batches of 5 and ${fmtRatio(median(samples.get('sequential')!.map((x) => x.wallMs)) / median(samples.get('goscale-hibernate')!.map((x) => x.wallMs)))} faster than sequential.`,
    ],
  },
]);
