/**
 * @module A small Kubernetes-style API for section 5: list and read workloads, per-call latency, a QPS limit (429).
 */
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

/** The annotation that keeps a hibernated workload's original replica count. */
export const ORIGINAL_REPLICAS = 'hibernator.goscale.dev/original-replicas';

/** A workload object shaped like the real API's (only the fields the demo reads). */
export interface Workload {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace: string;
    annotations: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; controller: boolean }>;
  };
  spec: { replicas?: number };
}

/**
 * Builds the cluster's workloads from the seed: `count` objects over five namespaces, mostly Deployments, some
 * StatefulSets and Rollouts, and ReplicaSets of which most are owned by a Deployment (not top-level). About a fifth
 * of the top-level ones are hibernated (replicas 0, original count in {@link ORIGINAL_REPLICAS}), a few have no
 * `spec.replicas`.
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
 * Starts the API. Model: every call takes a seeded log-normal time around `medianMs` (keyed by path, so every
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
  const lists = new Map<string, Workload[]>();
  for (const w of workloads) {
    const collection = collectionPath(w.kind, w.metadata.namespace);
    byPath.set(`${collection}/${w.metadata.name}`, w);
    lists.set(collection, [...(lists.get(collection) ?? []), w]);
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
    const path = (req.url ?? '').split('?')[0]!;
    await pause(keyedLognormal(seed, path, medianMs, 0.3));
    if (req.method !== 'GET') return sendJson(res, 405, { kind: 'Status', code: 405 });
    const one = byPath.get(path);
    if (one) return sendJson(res, 200, one);
    const list = lists.get(path);
    const kind = Object.values(KINDS).find((k) => path.endsWith(`/${k.plural}`));
    if (list || kind) {
      const kindName = (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k] === kind)!;
      return sendJson(res, 200, {
        apiVersion: kind!.apiVersion,
        kind: `${kindName}List`,
        metadata: { resourceVersion: '1' },
        items: list ?? [],
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
