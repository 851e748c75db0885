/**
 * @module Reads what is in scope: discovery, then every listed kind, the HPAs and KEDA ScaledObjects.
 */
import { map } from 'goscale/pool';
import type { KubeClient } from '../kube/client.js';
import { AutoscalerIndex, type AutoscalerObject } from '../verdict/autoscalers.js';
import { AUTOSCALERS, KINDS } from '../workload/kinds.js';
import type { Workload } from '../workload/object.js';

/** Which objects a run looks at. */
export interface ScopeOptions {
  /** One namespace, or undefined for all (-A). */
  namespace: string | undefined;
  selector: string | undefined;
  kinds: readonly string[];
}

/** What is in scope. */
export interface Scope {
  workloads: Workload[];
  autoscalers: AutoscalerIndex;
  notServed: string[];
}

/**
 * Discovers the served groups, then lists every kind asked for (optional CRD kinds only when served) and the
 * autoscalers, a few lists at a time. A workload's autoscaler is found whatever `--selector` says: HPAs do not carry
 * their target's labels.
 * @param signal - aborts the reads (nothing has been changed yet, so a SIGINT here simply stops).
 * @returns the workloads sorted by namespace and name (kinds in --kinds order for equal names), and the autoscaler index.
 */
export async function readScope(client: KubeClient, opts: ScopeOptions, signal: AbortSignal): Promise<Scope> {
  const served = await client.groupVersions({ signal });
  const isServed = (g: { group: string; version: string }): boolean => served.has(`${g.group}/${g.version}`);
  const kinds = opts.kinds.map((k) => KINDS[k]!);
  const notServed = kinds.filter((k) => !isServed(k)).map((k) => k.kind);
  const lists = await map(
    kinds.filter(isServed),
    (k) => client.list(k, opts.namespace, opts.selector, { signal }),
    { concurrency: 4, signal },
  );
  const hpa = { ...AUTOSCALERS.HorizontalPodAutoscaler, kind: 'HorizontalPodAutoscaler' };
  const keda = { ...AUTOSCALERS.ScaledObject, kind: 'ScaledObject' };
  const [hpas, scaledObjects] = await Promise.all([
    isServed(hpa) ? client.list(hpa, opts.namespace, undefined, { signal }) : [],
    isServed(keda) ? client.list(keda, opts.namespace, undefined, { signal }) : [],
  ]);
  const workloads = lists.flat().sort((a, b) => {
    const ka = `${a.metadata.namespace}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return {
    workloads,
    autoscalers: new AutoscalerIndex(hpas as AutoscalerObject[], scaledObjects as AutoscalerObject[]),
    notServed,
  };
}
