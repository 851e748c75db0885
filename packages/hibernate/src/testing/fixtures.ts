/**
 * @module Generated clusters for the tests and the benchmark: a seeded mix of workload kinds and shapes.
 */
import { ORIGINAL_REPLICAS, OPT_OUT } from '../workload/object.js';

// Free-form API objects: the server and the fixtures read and write arbitrary JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const API_VERSION: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Rollout: 'argoproj.io/v1alpha1',
  CronJob: 'batch/v1',
};

/** A small seeded PRNG (mulberry32): the same seed gives the same cluster. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param kind - the workload kind.
 * @param namespace - its namespace.
 * @param name - its name.
 * @param extra - fields merged into metadata and spec.
 * @returns a workload object as a user would have applied it.
 */
export function workload(
  kind: string,
  namespace: string,
  name: string,
  extra: { metadata?: Obj; spec?: Obj } = {},
): Obj {
  const spec: Obj =
    kind === 'CronJob'
      ? {
          schedule: '*/5 * * * *',
          suspend: false,
          jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'busybox' }] } } } },
        }
      : {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
          },
        };
  return {
    apiVersion: API_VERSION[kind],
    kind,
    metadata: {
      name,
      namespace,
      labels: { app: name, team: 'shop' },
      annotations: { 'example.com/owner': 'team-shop' },
      ...extra.metadata,
    },
    spec: { ...spec, ...extra.spec },
    status: { observedGeneration: 1 },
  };
}

/**
 * A cluster of `count` workloads over `namespaces`: mostly Deployments, some StatefulSets, Rollouts and CronJobs,
 * ReplicaSets owned by a Deployment, and a few that are excluded, hibernated already or without replicas. Objects
 * get no annotations map at all now and then (the API omits an empty one).
 * @returns the objects.
 */
export function makeCluster(
  seed: number,
  count: number,
  namespaces = ['shop', 'search', 'billing', 'kube-system'],
): Obj[] {
  const next = rng(seed);
  const out: Obj[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    const kind =
      roll < 0.5
        ? 'Deployment'
        : roll < 0.62
          ? 'StatefulSet'
          : roll < 0.72
            ? 'Rollout'
            : roll < 0.82
              ? 'CronJob'
              : 'ReplicaSet';
    const ns = namespaces[i % namespaces.length]!;
    const o = workload(kind, ns, `${kind.toLowerCase()}-${i}`);
    if (kind !== 'CronJob') o.spec.replicas = 1 + Math.floor(next() * 6);
    const shape = next();
    if (kind === 'ReplicaSet' && shape < 0.8) {
      o.metadata.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: `owner-${i}`, uid: `u-${i}`, controller: true },
      ];
    } else if (shape < 0.05) {
      o.metadata.annotations[OPT_OUT] = 'false';
    } else if (shape < 0.1 && kind !== 'CronJob') {
      o.spec.replicas = 0;
      o.metadata.annotations[ORIGINAL_REPLICAS] = '3';
    } else if (shape < 0.13 && kind !== 'CronJob') {
      delete o.spec.replicas;
    } else if (shape < 0.3) {
      delete o.metadata.annotations;
    }
    out.push(o);
  }
  return out;
}
