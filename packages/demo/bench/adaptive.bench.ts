/**
 * @module Bench: `map` with `adaptive()` against fixed limits 4, 16, 64 and 256 on the demo's database model (in
 * virtual time), through a mid-run halving of its capacity, and against the real deployment API (in real time).
 */
import { adaptive, map, type AdaptiveLimit } from 'goscale';
import { goal, report, type BenchSection } from '../../../bench/harness.js';
import { call } from '../src/lib/client.js';
import { startDeployApi } from '../src/services/deploy-api.js';
import { StatementTimeout, VirtualDatabase, type VirtualDatabaseOptions } from './virtual-database.js';

const N = 10_000;
const SEED = 42;
/** Section 3's database (full run): throughput peaks at 16 in flight and falls as n^-0.5 beyond. */
const MODEL = { seed: SEED, medianMs: 10, knee: 16, statementTimeoutMs: 2000 } as const;
const FIXED = [4, 16, 64, 256];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

interface Row {
  name: string;
  endMs: number;
  perSecond: number;
  timeouts: number[];
  /** [time, limit] at the start and after every change (adaptive rows only). */
  limits: [number, number][];
}

/** Runs N queries through `map` against a fresh virtual database; `concurrency` is a number or made for its clock. */
async function dbRow(
  name: string,
  concurrency: number | ((now: () => number, limits: [number, number][]) => AdaptiveLimit),
  model: VirtualDatabaseOptions = MODEL,
): Promise<Row> {
  const db = new VirtualDatabase(model);
  const limits: [number, number][] = [];
  const limit = typeof concurrency === 'number' ? concurrency : concurrency(() => db.now, limits);
  const timeouts: number[] = [];
  const query = (id: number): Promise<void> =>
    db.query(id).catch((error: unknown) => {
      if (error instanceof StatementTimeout) timeouts.push(db.now);
      throw error;
    });
  // stopOnError: false, so a statement timeout reaches the limit as an overload and the run goes on.
  await db.run(map(range(N), query, { concurrency: limit, stopOnError: false })).catch(() => undefined);
  return { name, endMs: db.now, perSecond: (N / db.now) * 1000, timeouts, limits };
}

const adaptiveFrom =
  (initial: number) =>
  (now: () => number, limits: [number, number][]): AdaptiveLimit => {
    limits.push([0, initial]);
    return adaptive({ initial, now, onChange: (c) => limits.push([c.at, c.limit]) });
  };

function limitAt(limits: readonly [number, number][], atMs: number): number {
  let value = limits[0]![1];
  for (const [at, v] of limits) if (at <= atMs) value = v;
  return value;
}

/** The time after which the limit stays within [lo, hi] for good (Infinity if it never does). */
function settledAt(limits: readonly [number, number][], lo: number, hi: number): number {
  let since = 0;
  for (const [at, v] of limits)
    if (v < lo || v > hi) since = Infinity;
    else if (since === Infinity) since = at;
  return limits.every(([, v]) => v >= lo && v <= hi) ? 0 : since;
}

const fmtRate = (r: number): string => `${Math.round(r).toLocaleString('en')}/s`;
const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

// --- 1. The database, fixed limits against adaptive ------------------------------------------------------------------
const fixedRows: Row[] = [];
for (const c of FIXED) fixedRows.push(await dbRow(`\`map\`, concurrency ${c}`, c));
const best = fixedRows.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
const from1 = await dbRow('`map`, `adaptive({ initial: 1 })`', adaptiveFrom(1));
const from200 = await dbRow('`map`, `adaptive({ initial: 200 })`', adaptiveFrom(200));
const adaptiveRows = [from1, from200];
// Settled: the limit stays within 0.75-1.5x the knee from then on.
const settled = adaptiveRows.map((r) => settledAt(r.limits, 12, 24));
const lateTimeouts = adaptiveRows.map((r, i) => r.timeouts.filter((t) => t >= settled[i]!).length);

const marks = [0, 25, 50, 100, 250, 500, 1000, 2000, 4000];
const dbSection: BenchSection = {
  title: `Adaptive concurrency: ${N.toLocaleString('en')} queries against the demo database (knee 16, unknown to the client)`,
  description:
    `Virtual time: section 3's database model (median ${MODEL.medianMs} ms, throughput peaks at ${MODEL.knee} in flight and falls as n^-0.5 beyond, statement timeout ${MODEL.statementTimeoutMs} ms) with its seeded service times, replies settled by a virtual clock, so every row sees the same queries and the numbers repeat exactly. ` +
    '`map` runs the queries with a fixed concurrency or with `adaptive()` (gradient2, the default), which is told nothing about the knee.',
  rows: [
    [
      'strategy',
      'wall time (virtual)',
      'throughput',
      'vs best fixed',
      'statement timeouts',
      'limit settled (12-24) at',
    ],
    ...[...fixedRows, ...adaptiveRows].map((r) => {
      const i = adaptiveRows.indexOf(r);
      return [
        r.name,
        fmtS(r.endMs),
        fmtRate(r.perSecond),
        pct(r.perSecond / best.perSecond),
        String(r.timeouts.length),
        i < 0 ? '' : settled[i] === Infinity ? 'never' : fmtS(settled[i]!),
      ];
    }),
  ],
  notes: [
    ...adaptiveRows.map((r, i) =>
      goal(
        r.perSecond >= 0.9 * best.perSecond && lateTimeouts[i] === 0,
        `${r.name} reaches ${pct(r.perSecond / best.perSecond)} of the best fixed limit's throughput (${best.name}, ${fmtRate(best.perSecond)}; goal >= 90%) with ${lateTimeouts[i]} statement timeouts once settled.`,
      ),
    ),
  ],
};

const limitSection: BenchSection = {
  title: 'Adaptive concurrency: the limit over time',
  description: 'The limit in force at each moment (virtual ms since the start) of the adaptive rows above.',
  rows: [
    ['row', ...marks.map((m) => `${m} ms`), 'end'],
    ...adaptiveRows.map((r) => [
      r.name,
      ...marks.map((m) => String(limitAt(r.limits, m))),
      String(limitAt(r.limits, r.endMs)),
    ]),
  ],
  notes: [],
};

// --- 2. Capacity halves mid-run ----------------------------------------------------------------------------------
const HALVE_AT = 3000;
const halving: VirtualDatabaseOptions = { ...MODEL, knee: (now) => (now < HALVE_AT ? 16 : 8) };
const halvingRows = [
  await dbRow('`map`, concurrency 16', 16, halving),
  await dbRow('`map`, concurrency 8', 8, halving),
  await dbRow('`map`, `adaptive()`', adaptiveFrom(8), halving),
];
const followed = halvingRows[2]!.limits.find(([at, v]) => at >= HALVE_AT && v <= 12);
const followMs = followed === undefined ? Infinity : followed[0] - HALVE_AT;
const halvingMarks = [2900, 3000, 3050, 3100, 3250, 3500, 4000, 5000];
const halvingSection: BenchSection = {
  title: "Adaptive concurrency: the database's capacity halves mid-run (knee 16 -> 8 at 3 s)",
  description:
    `The same ${N.toLocaleString('en')} queries (virtual time); at ${HALVE_AT} ms the knee drops from 16 to 8. ` +
    'Fixed 16 suits the first half, fixed 8 the second; the adaptive limit has to notice.',
  rows: [
    ['strategy', 'wall time (virtual)', 'throughput', ...halvingMarks.map((m) => `limit at ${m} ms`)],
    ...halvingRows.map((r) => [
      r.name,
      fmtS(r.endMs),
      fmtRate(r.perSecond),
      ...halvingMarks.map((m) => (r.limits.length === 0 ? '' : String(limitAt(r.limits, m)))),
    ]),
  ],
  notes: [
    goal(
      followMs <= 1000,
      `the adaptive limit fell to 12 (1.5x the new knee) or below ${Number.isFinite(followMs) ? `${followMs.toFixed(0)} ms` : 'never'} after the halving (goal: within 1 s).`,
    ),
    goal(
      halvingRows[2]!.perSecond >= Math.max(halvingRows[0]!.perSecond, halvingRows[1]!.perSecond),
      `through the change, adaptive's throughput (${fmtRate(halvingRows[2]!.perSecond)}) is at least that of either fixed limit (16: ${fmtRate(halvingRows[0]!.perSecond)}, 8: ${fmtRate(halvingRows[1]!.perSecond)}).`,
    ),
  ],
};

// --- 3. The deployment API (real time): a queue, then 503s -------------------------------------------------------
const M = 3000;
const api = await startDeployApi({ seed: SEED });
const deployRows: { name: string; wallMs: number; failed: number; limits: [number, number][] }[] = [];
try {
  const deploy = async (id: number): Promise<void> => {
    const reply = await call(`${api.url}/deployments/${id}`, { method: 'POST' });
    if (reply.status !== 202)
      throw Object.assign(new Error(`HTTP ${reply.status}`), { status: reply.status });
  };
  const strategies: [string, () => number | AdaptiveLimit, [number, number][]][] = [];
  for (const c of [20, 200]) strategies.push([`\`map\`, concurrency ${c}`, () => c, []]);
  const limits: [number, number][] = [];
  let t0 = 0;
  strategies.push([
    '`map`, `adaptive()`',
    () => {
      limits.push([0, 8]);
      return adaptive({ onChange: (c) => limits.push([c.at - t0, c.limit]) });
    },
    limits,
  ]);
  for (const [name, make, rowLimits] of strategies) {
    api.resetStats();
    const concurrency = make();
    t0 = performance.now();
    let failed = 0;
    await map(range(M), (id) => deploy(id).catch((e: unknown) => (failed++, Promise.reject(e))), {
      concurrency,
      stopOnError: false,
    }).catch(() => undefined);
    deployRows.push({ name, wallMs: performance.now() - t0, failed, limits: rowLimits });
  }
} finally {
  await api.close();
}
const deployAdaptive = deployRows[2]!;
const deploySection: BenchSection = {
  title: `Adaptive concurrency: ${M.toLocaleString('en')} requests against the deployment API (20 workers, a queue of 100, then 503s)`,
  description:
    "Real time, over loopback HTTP: section 1's deployment API (`services/deploy-api.ts`), which answers 503 when its queue is full or a request waited 1 s. A 503 is an overload to `adaptive()` and cuts its limit at once.",
  rows: [
    ['strategy', 'wall time', 'failed', 'failure rate', 'limit (min-max after the first second)'],
    ...deployRows.map((r) => {
      const late = r.limits.filter(([at]) => at >= 1000).map(([, v]) => v);
      return [
        r.name,
        fmtS(r.wallMs),
        String(r.failed),
        pct(r.failed / M),
        r.limits.length === 0
          ? ''
          : late.length === 0
            ? String(limitAt(r.limits, 1000))
            : `${Math.min(...late)}-${Math.max(...late)}`,
      ];
    }),
  ],
  notes: [
    goal(
      deployAdaptive.failed < 0.01 * M,
      `with \`adaptive()\`, ${deployAdaptive.failed} of ${M} requests failed (${pct(deployAdaptive.failed / M)}; goal < 1%), against ${deployRows[1]!.failed} with a fixed 200.`,
    ),
  ],
};

report('adaptive.bench.ts', [dbSection, limitSection, halvingSection, deploySection]);
