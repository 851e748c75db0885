/**
 * @module Section 5, the case study: 150 workloads checked for hibernation sequentially, in batches of 5, and with
 * goscale `Group` (limit) plus a `Limiter` for the API's QPS; then by `goscale-hibernate check` itself (the runner of
 * `@goscale/hibernate` through @kubernetes/client-node), against the same API. Every verdict comes from that
 * package's `judge`.
 */
import { KIND_NAMES, KubeClient, VERDICTS, loadConfig, run } from '@goscale/hibernate';
import { Group, Limiter } from 'goscale';
import { measureStrategy } from '../lib/measure.js';
import type { Timeline } from '../lib/timeline.js';
import {
  KINDS,
  startKubeApi,
  writeKubeconfig,
  type KubeApi,
  type KubeApiStats,
} from '../services/kube-api.js';
import { checkOne, listWorkloads, type Counters, type Verdict, type WorkloadRef } from './hibernation.js';
import {
  caseStudyConclusions,
  caseStudyTables,
  type CaseStudyMeasurements,
  type CaseStudyStrategy,
} from './s5-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

type Check = (ref: WorkloadRef, signal?: AbortSignal) => Promise<void>;

/** Runs one strategy; `run` checks each workload through `check`, which records it as a bar and tallies it. */
async function measureChecks(
  api: KubeApi,
  name: string,
  refs: WorkloadRef[],
  opts: RunOptions,
  run: (check: Check) => Promise<unknown>,
): Promise<Outcome> {
  const counters: Counters = { requests: 0, retries429: 0 };
  const tally = emptyTally();
  const verdicts: Record<string, Verdict> = {};
  const { timeline, stats } = await measureStrategy({ name, service: api, total: refs.length }, opts, (rec) =>
    run(async (ref, signal) => {
      const verdict = await rec.track(
        () => checkOne(api.url, ref, counters, signal),
        () => 200,
      );
      // The JavaScript form of atomic.AddInt32: no await between reading and writing the counter, so no task can
      // interleave here; the race of section 3 needs an await in the middle.
      tally[verdict]++;
      verdicts[`${ref.namespace}/${ref.kind}/${ref.name}`] = verdict;
    }),
  );
  return outcome(name, timeline, stats, { verdicts, tally, requests: counters.requests });
}

/** One row's result: what the client counted, with what the API saw. */
interface Outcome {
  strategy: CaseStudyStrategy;
  timeline: Timeline;
  verdicts: Record<string, Verdict>;
}

function outcome(
  name: string,
  timeline: Timeline,
  stats: KubeApiStats,
  client: { verdicts: Record<string, Verdict>; tally: Record<Verdict, number>; requests: number },
): Outcome {
  const { verdicts, tally, requests } = client;
  return {
    timeline,
    verdicts,
    strategy: {
      name,
      wallMs: timeline.wallMs,
      tally,
      requests,
      throttled: stats.throttled,
      servicePeakInFlight: stats.peakInFlight,
    },
  };
}

const emptyTally = (): Record<Verdict, number> =>
  Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;

/**
 * Runs `goscale-hibernate check -A` in-process: the package's `run` over a kubeconfig for the API, with the same
 * client-side QPS and burst as the Group row. It lists (one request per kind and page) instead of reading each
 * workload, and judges every listed object with the same `judge`.
 */
async function measureTool(
  api: KubeApi,
  opts: RunOptions,
  limits: { qps: number; burst: number },
): Promise<Outcome> {
  const name = 'goscale-hibernate check -A';
  const config = await writeKubeconfig(api.url);
  try {
    const client = new KubeClient(loadConfig({ kubeconfig: config.path }).kc, limits);
    const { timeline, stats, value } = await measureStrategy({ name, service: api, total: 1 }, opts, (rec) =>
      rec.track(
        () =>
          run(client, {
            command: 'check',
            namespace: undefined,
            selector: undefined,
            kinds: KIND_NAMES.filter((k) => k in KINDS),
            excludedNamespaces: new Set(),
            dryRun: false,
            concurrency: 4,
          }),
        () => 200,
      ),
    );
    client.close();
    const verdicts: Record<string, Verdict> = {};
    for (const item of value.items) verdicts[`${item.namespace}/${item.kind}/${item.name}`] = item.verdict!;
    return outcome(name, timeline, stats, {
      verdicts,
      tally: value.summary.verdicts,
      requests: value.summary.requests,
    });
  } finally {
    await config.remove();
  }
}

/**
 * Runs section 5 against a fresh Kubernetes-style API.
 * @param opts - seed, quick, progress.
 * @returns the section's result.
 * @example
 * ```ts
 * const result = await runCaseStudy({ seed: 42, quick: true });
 * ```
 */
export async function runCaseStudy(opts: RunOptions): Promise<SectionBody<CaseStudyMeasurements>> {
  const workloads = opts.quick ? 60 : 150;
  const qps = 400;
  const burst = 40;
  const groupLimit = 25;
  const api = await startKubeApi({ seed: opts.seed, workloads, qps, burst, medianMs: opts.quick ? 10 : 25 });
  try {
    const namespaces = [...new Set(api.workloads.map((w) => w.metadata.namespace))];
    const refs = await listWorkloads(api.url, namespaces, { requests: 0, retries429: 0 });
    // Stay under the API's advertised QPS so the client never earns a 429: 10% headroom on the rate, and half its
    // burst, because requests granted together by the client can still reach the server bunched up.
    const clientRate = Math.floor(qps * 0.9);
    const clientBurst = Math.floor(burst / 2);
    const runs = [
      await measureChecks(api, 'sequential', refs, opts, async (check) => {
        for (const ref of refs) await check(ref);
      }),
      await measureChecks(api, 'batches of 5', refs, opts, async (check) => {
        for (let i = 0; i < refs.length; i += 5)
          await Promise.all(refs.slice(i, i + 5).map((ref) => check(ref)));
      }),
      await measureChecks(
        api,
        `goscale Group (limit ${groupLimit}) + Limiter (${clientRate}/s)`,
        refs,
        opts,
        async (check) => {
          const limiter = new Limiter({ rate: clientRate, burst: clientBurst });
          const group = new Group({ limit: groupLimit });
          for (const ref of refs) {
            await group.go(async (signal) => {
              await limiter.wait(1, { signal });
              await check(ref, signal);
            });
          }
          await group.wait();
        },
      ),
    ];
    const tool = await measureTool(api, opts, { qps: clientRate, burst: clientBurst });
    // Key order follows completion order, which differs between strategies: compare sorted entries.
    const canonical = (v: Record<string, Verdict>): string => JSON.stringify(Object.entries(v).sort());
    const reference = canonical(runs[0]!.verdicts);
    const measurements: CaseStudyMeasurements = {
      workloads: refs.length,
      api: { qps, burst, listCalls: namespaces.length * Object.keys(KINDS).length },
      strategies: runs.map((r) => r.strategy),
      tool: tool.strategy,
      verdictsIdentical: [...runs, tool].every((r) => canonical(r.verdicts) === reference),
    };
    return {
      measurements,
      tables: caseStudyTables(measurements),
      timelines: [...runs, tool].map((r) => r.timeline),
      conclusions: caseStudyConclusions(measurements),
    };
  } finally {
    await api.close();
  }
}
