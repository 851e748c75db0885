/**
 * @module Section 5's reads through the Kubernetes-style API. Which workloads can be hibernated is not decided here:
 * `judge` of `@goscale/hibernate`, the code `goscale-hibernate check` runs, is the one source of truth.
 */
import { judge, type Verdict } from '@goscale/hibernate';
import { call } from '../lib/client.js';
import { KINDS, collectionPath, type Kind, type Workload } from '../services/kube-api.js';

export type { Verdict };

/** A workload to check. */
export interface WorkloadRef {
  kind: Kind;
  namespace: string;
  name: string;
}

/** Per-run counters. Increments happen synchronously between awaits, so no two tasks can interleave inside one. */
export interface Counters {
  requests: number;
  retries429: number;
}

/**
 * GETs `path`, retrying after a 429 as long as the API's `x-retry-after-ms` (or `Retry-After`) says.
 * @param baseUrl - the API's URL.
 * @param path - the resource path.
 * @param counters - counts requests and 429 retries (synchronously: safe under concurrency).
 * @param signal - aborts the request (rejects with its reason).
 * @returns the parsed body of the first 200; rejects on any other status.
 * @example
 * ```ts
 * const w = await getWithRetry<Workload>(api.url, path, counters);
 * ```
 */
export async function getWithRetry<T>(
  baseUrl: string,
  path: string,
  counters: Counters,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    counters.requests++;
    const reply = await call<T>(`${baseUrl}${path}`, { signal });
    if (reply.status === 200 && reply.body !== undefined) return reply.body;
    if (reply.status !== 429)
      throw new Error(`GET ${path}: HTTP ${reply.status} ${reply.error ?? ''}`.trim());
    counters.retries429++;
    const ms = Number(reply.headers['x-retry-after-ms'] ?? Number(reply.headers['retry-after'] ?? 1) * 1000);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/**
 * Lists every workload of every kind in `namespaces` (one list call per kind and namespace).
 * @param baseUrl - the API's URL.
 * @param namespaces - where to look.
 * @param counters - counts the calls.
 * @returns references to all of them, sorted by name.
 * @example
 * ```ts
 * const refs = await listWorkloads(api.url, ['payments'], { requests: 0, retries429: 0 });
 * ```
 */
export async function listWorkloads(
  baseUrl: string,
  namespaces: string[],
  counters: Counters,
): Promise<WorkloadRef[]> {
  const refs: WorkloadRef[] = [];
  for (const namespace of namespaces) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const list = await getWithRetry<{ items: Workload[] }>(
        baseUrl,
        collectionPath(kind, namespace),
        counters,
      );
      for (const w of list.items) refs.push({ kind, namespace, name: w.metadata.name });
    }
  }
  return refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads one workload and returns its verdict, decided by `@goscale/hibernate`'s `judge` (no namespace is excluded
 * and no autoscaler is in scope here, as in the cluster the demo's API serves).
 * @param baseUrl - the API's URL.
 * @param ref - which workload.
 * @param counters - counts the calls.
 * @param signal - aborts the read.
 * @returns the verdict.
 * @example
 * ```ts
 * await checkOne(api.url, { kind: 'Deployment', namespace: 'payments', name: 'deployment-0' }, counters);
 * ```
 */
export async function checkOne(
  baseUrl: string,
  ref: WorkloadRef,
  counters: Counters,
  signal?: AbortSignal,
): Promise<Verdict> {
  const w = await getWithRetry<Workload>(
    baseUrl,
    `${collectionPath(ref.kind, ref.namespace)}/${ref.name}`,
    counters,
    signal,
  );
  return judge(w).verdict;
}
