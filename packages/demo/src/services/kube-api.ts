/**
 * @module A small Kubernetes-style API for section 5: discovery, paginated lists, reads, per-call latency, a QPS
 * limit (429). Enough of the real API for `@goscale/hibernate`'s runner, which section 5 points at it.
 */
import { ORIGINAL_REPLICAS, OPT_OUT, type Workload as HibernateWorkload } from '@goscale/hibernate';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, hash, keyedLognormal } from '../lib/prng.js';
import { InFlight, listen, pause, sendJson, type Running } from './server.js';

/** The workload kinds the API serves, with their API group/version and plural resource name. */
export const KINDS = {
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments' },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets' },
  ReplicaSet: { apiVersion: 'apps/v1', plural: 'replicasets' },
  Rollout: { apiVersion: 'argoproj.io/v1alpha1', plural: 'rollouts' },
} as const;

/** A workload kind. */
export type Kind = keyof typeof KINDS;

/** A workload object shaped like the real API's: what `@goscale/hibernate` reads, with the fields always set here. */
export type Workload = HibernateWorkload & {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace: string;
    annotations: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; controller: boolean }>;
  };
  spec: { replicas?: number };
};

/**
 * Builds the cluster's workloads from the seed: `count` objects over five namespaces, mostly Deployments, some
 * StatefulSets and Rollouts, and ReplicaSets of which most are owned by a Deployment (not top-level). About a fifth
 * are hibernated (replicas 0, original count in `@goscale/hibernate`'s `ORIGINAL_REPLICAS` annotation), a few have
 * no `spec.replicas`, and a few opt out (`goscale.dev/hibernate: "false"`).
 *
 * @param seed - the run's seed.
 * @param count - how many workloads. 150 in the talk.
 * @returns the workloads, in creation order.
 * @example
 * ```ts
 * const all = makeWorkloads(42, 150);
 * ```
 */
export function makeWorkloads(seed: number, count: number): Workload[] {
  const rng = createRng(hash(seed, 'cluster'));
  const namespaces = ['payments', 'checkout', 'search', 'inventory', 'platform'];
  const out: Workload[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    const kind: Kind =
      roll < 0.45 ? 'Deployment' : roll < 0.6 ? 'StatefulSet' : roll < 0.72 ? 'Rollout' : 'ReplicaSet';
    const namespace = namespaces[i % namespaces.length]!;
    const name = `${kind.toLowerCase()}-${i}`;
    const annotations: Record<string, string> = {};
    const spec: Workload['spec'] = {};
    const metadata: Workload['metadata'] = { name, namespace, annotations };
    if (kind === 'ReplicaSet' && rng.next() < 0.7) {
      metadata.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: `deployment-owner-${i}`, controller: true },
      ];
    }
    const shape = rng.next();
    if (shape < 0.2) {
      spec.replicas = 0;
      annotations[ORIGINAL_REPLICAS] = String(rng.int(1, 5));
    } else if (shape < 0.27) {
      // No spec.replicas: an HPA-managed or malformed object, which the check must not call hibernatable.
    } else if (shape < 0.32) {
      annotations[OPT_OUT] = 'false';
      spec.replicas = rng.int(1, 6);
    } else {
      spec.replicas = rng.int(1, 6);
    }
    out.push({ apiVersion: KINDS[kind].apiVersion, kind, metadata, spec });
  }
  return out;
}

/** The API's model (documented in packages/demo/README.md). */
export interface KubeApiOptions {
  seed: number;
  /** Number of workloads. Default 150. */
  workloads?: number;
  /** Median latency of a call. Default 25 ms. */
  medianMs?: number;
  /** Sustained requests per second the API admits (token bucket). Default 200. */
  qps?: number;
  /** Bucket size: requests admitted at once after a quiet spell. Default 50. */
  burst?: number;
  /** Injected clock for the bucket (ms). Default `performance.now`. */
  now?: () => number;
}

/** What the API observed since the last reset. */
export interface KubeApiStats {
  requests: number;
  throttled: number;
  peakInFlight: number;
}

/** A running Kubernetes-style API. */
export interface KubeApi extends Running {
  readonly workloads: readonly Workload[];
  stats(): KubeApiStats;
  resetStats(): void;
}

const key = (w: Workload): string => `${w.metadata.namespace}/${w.metadata.name}`;

/** `GET /apis`: the groups served, as the real API's discovery lists them (`apps/v1`, `argoproj.io/v1alpha1`). */
const DISCOVERY = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [...new Set(Object.values(KINDS).map((k) => k.apiVersion))].map((groupVersion) => {
    const [name, version] = groupVersion.split('/') as [string, string];
    const v = { groupVersion, version };
    return { name, versions: [v], preferredVersion: v };
  }),
};

/**
 * One page of a list, as `limit` and `continue` ask: `continue` is the opaque token of the previous page (here the
 * offset, base64url), absent after the last page.
 * @returns the page, or undefined for a bad `limit` or `continue`.
 */
function paginate(all: Workload[], q: URLSearchParams): { items: Workload[]; next?: string } | undefined {
  const limit = Number(q.get('limit') ?? 0);
  const from = q.get('continue') ? Number(Buffer.from(q.get('continue')!, 'base64url').toString()) : 0;
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(from) || from < 0) return undefined;
  const to = limit === 0 ? all.length : Math.min(all.length, from + limit);
  const items = all.slice(from, to);
  return to < all.length ? { items, next: Buffer.from(String(to)).toString('base64url') } : { items };
}

/**
 * The URL path of a kind's collection in a namespace, as the real API spells it.
 * @param kind - the workload kind.
 * @param namespace - the namespace.
 * @returns e.g. `/apis/apps/v1/namespaces/payments/deployments`.
 * @example
 * ```ts
 * collectionPath('Rollout', 'search') // '/apis/argoproj.io/v1alpha1/namespaces/search/rollouts'
 * ```
 */
export function collectionPath(kind: Kind, namespace: string): string {
  return `/apis/${KINDS[kind].apiVersion}/namespaces/${namespace}/${KINDS[kind].plural}`;
}

/**
 * Starts the API: `GET /apis` (discovery), lists per namespace and across all of them with `limit`/`continue`, and
 * single objects. Model: every call takes a seeded log-normal time around `medianMs` (keyed by path, so every
 * strategy sees the same latencies); before that a token bucket of `burst` tokens refilled at `qps` per second
 * admits the call or answers 429 with `Retry-After` (seconds, rounded up) and `x-retry-after-ms`.
 *
 * @param options - the model's parameters.
 * @returns the running API.
 * @example
 * ```ts
 * const api = await startKubeApi({ seed: 42 });
 * const list = await (await fetch(`${api.url}${collectionPath('Deployment', 'payments')}`)).json();
 * ```
 */
export async function startKubeApi(options: KubeApiOptions): Promise<KubeApi> {
  const {
    seed,
    workloads: count = 150,
    medianMs = 25,
    qps = 200,
    burst = 50,
    now = () => performance.now(),
  } = options;
  const workloads = makeWorkloads(seed, count);
  const byPath = new Map<string, Workload>();
  // Collections by path: each namespace's, and each kind's across all namespaces (`-A`), in name order as etcd keeps them.
  const lists = new Map<string, Workload[]>();
  const add = (path: string, w: Workload): void => void lists.set(path, [...(lists.get(path) ?? []), w]);
  for (const w of [...workloads].sort((a, b) => (key(a) < key(b) ? -1 : 1))) {
    const collection = collectionPath(w.kind, w.metadata.namespace);
    byPath.set(`${collection}/${w.metadata.name}`, w);
    add(collection, w);
    add(`/apis/${KINDS[w.kind].apiVersion}/${KINDS[w.kind].plural}`, w);
  }
  const inFlight = new InFlight();
  let requests = 0;
  let throttled = 0;
  let tokens = burst;
  let last = now();

  // The service's own limiter, written by hand on purpose: this is the API server, not the client under test.
  const admit = (): number => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return ((1 - tokens) * 1000) / qps;
  };

  const running = await listen(async (req, res) => {
    const leave = inFlight.enter();
    res.once('close', leave);
    requests++;
    const waitMs = admit();
    if (waitMs > 0) {
      throttled++;
      return sendJson(
        res,
        429,
        { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 },
        { 'retry-after': String(Math.ceil(waitMs / 1000)), 'x-retry-after-ms': waitMs.toFixed(1) },
      );
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/$/, '');
    await pause(keyedLognormal(seed, path, medianMs, 0.3));
    if (req.method !== 'GET') return sendJson(res, 405, { kind: 'Status', code: 405 });
    if (path === '/apis') return sendJson(res, 200, DISCOVERY);
    const one = byPath.get(path);
    if (one) return sendJson(res, 200, one);
    const kindName = (Object.keys(KINDS) as Kind[]).find((k) => path.endsWith(`/${KINDS[k].plural}`));
    if (kindName !== undefined && path.startsWith(`/apis/${KINDS[kindName].apiVersion}/`)) {
      const page = paginate(lists.get(path) ?? [], url.searchParams);
      if (page === undefined)
        return sendJson(res, 400, {
          kind: 'Status',
          code: 400,
          reason: 'BadRequest',
          message: 'bad limit or continue',
        });
      return sendJson(res, 200, {
        apiVersion: KINDS[kindName].apiVersion,
        kind: `${kindName}List`,
        metadata: { resourceVersion: '1', ...(page.next === undefined ? {} : { continue: page.next }) },
        items: page.items,
      });
    }
    return sendJson(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
  });

  return {
    ...running,
    workloads,
    stats: () => ({ requests, throttled, peakInFlight: inFlight.peak }),
    resetStats: () => {
      inFlight.reset();
      requests = throttled = 0;
    },
  };
}

/**
 * Writes a kubeconfig for the API, as a user's would be for a cluster: one cluster, user and context. The API speaks
 * plain http on loopback, which @kubernetes/client-node accepts only with `insecure-skip-tls-verify`.
 * @param url - the API's URL.
 * @returns the file's path and a function that removes it.
 * @example
 * ```ts
 * const config = await writeKubeconfig(api.url);
 * try { loadConfig({ kubeconfig: config.path }); } finally { await config.remove(); }
 * ```
 */
export async function writeKubeconfig(url: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'goscale-demo-kube-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: demo',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: demo',
      '  user: {}',
      'contexts:',
      '- name: demo',
      '  context: { cluster: demo, user: demo }',
      'current-context: demo',
      '',
    ].join('\n'),
  );
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
