/**
 * @module The workload kinds goscale-hibernate knows: where each lives in the API and which field it scales.
 */

/** How a kind is hibernated: `replicas` scales `spec.replicas` to 0, `suspend` sets `spec.suspend: true`. */
export type Mode = 'replicas' | 'suspend';

/** One kind's place in the API. */
export interface KindInfo {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  /** The resource name in URLs (`deployments`). */
  readonly plural: string;
  readonly mode: Mode;
  /** Whether the group is optional (a CRD): served only when discovery says so. */
  readonly optional: boolean;
}

/**
 * The workload kinds, by `kind`. Rollouts are Argo Rollouts' CRD (`argoproj.io/v1alpha1`), used only when discovery
 * finds it served; the rest are built in.
 */
export const KINDS: Readonly<Record<string, KindInfo>> = Object.freeze({
  Deployment: {
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    mode: 'replicas',
    optional: false,
  },
  StatefulSet: {
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    mode: 'replicas',
    optional: false,
  },
  ReplicaSet: {
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    mode: 'replicas',
    optional: false,
  },
  Rollout: {
    kind: 'Rollout',
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'rollouts',
    mode: 'replicas',
    optional: true,
  },
  CronJob: {
    kind: 'CronJob',
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    mode: 'suspend',
    optional: false,
  },
});

/** Every kind name, in the order the tool lists them. */
export const KIND_NAMES: readonly string[] = Object.freeze(Object.keys(KINDS));

/** The autoscalers that can fight a hibernation, found through discovery like the optional kinds. */
export const AUTOSCALERS = Object.freeze({
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers' },
  ScaledObject: { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' },
});

/**
 * Parses `--kinds`: comma-separated kind names, case-insensitive, plural or singular (`deployments,cronjob`).
 * @param text - the flag's value.
 * @returns the canonical kind names, deduplicated, in {@link KIND_NAMES} order.
 * @throws RangeError naming the unknown kind.
 * @example
 * ```ts
 * parseKinds('deploy,CronJobs'); // throws: deploy is not a kind
 * parseKinds('deployments,CronJob'); // ['Deployment', 'CronJob']
 * ```
 */
export function parseKinds(text: string): string[] {
  const wanted = new Set<string>();
  for (const raw of text.split(',')) {
    const word = raw.trim().toLowerCase();
    if (word === '') continue;
    const info = Object.values(KINDS).find((k) => k.kind.toLowerCase() === word || k.plural === word);
    if (info === undefined) {
      throw new RangeError(
        `--kinds: unknown kind ${JSON.stringify(raw.trim())}; known: ${KIND_NAMES.join(', ')}`,
      );
    }
    wanted.add(info.kind);
  }
  if (wanted.size === 0)
    throw new RangeError(`--kinds: expected at least one kind, got ${JSON.stringify(text)}`);
  return KIND_NAMES.filter((k) => wanted.has(k));
}
