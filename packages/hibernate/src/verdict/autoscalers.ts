/**
 * @module Which autoscaler drives which workload: HorizontalPodAutoscalers and KEDA ScaledObjects by target.
 */

/** An autoscaler object as the API returns it (HPA autoscaling/v2 or KEDA ScaledObject keda.sh/v1alpha1). */
export interface AutoscalerObject {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } | null;
    /** HPA only; the API defaults it to 1. */
    minReplicas?: number | null;
  } | null;
}

/** What drives one workload. */
export interface Autoscaler {
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  name: string;
  /** For an HPA: its `minReplicas` (1 when unset, the API's default). */
  minReplicas: number;
}

/**
 * Autoscalers indexed by the workload they target (`namespace/kind/name`). Built once per run from two lists, so a
 * verdict costs one map lookup.
 */
export class AutoscalerIndex {
  readonly #byTarget = new Map<string, Autoscaler[]>();

  /**
   * @param hpas - HorizontalPodAutoscalers (autoscaling/v2) in scope.
   * @param scaledObjects - KEDA ScaledObjects in scope (empty when KEDA is not served).
   */
  constructor(hpas: readonly AutoscalerObject[] = [], scaledObjects: readonly AutoscalerObject[] = []) {
    for (const h of hpas) this.#add(h, 'HorizontalPodAutoscaler', 'Deployment');
    // KEDA's scaleTargetRef.kind defaults to Deployment.
    for (const s of scaledObjects) this.#add(s, 'ScaledObject', 'Deployment');
  }

  #add(o: AutoscalerObject, kind: Autoscaler['kind'], defaultKind: string): void {
    const target = o.spec?.scaleTargetRef;
    if (target?.name == null) return;
    const key = keyOf(o.metadata.namespace ?? '', target.kind ?? defaultKind, target.name);
    const list = this.#byTarget.get(key) ?? [];
    list.push({ kind, name: o.metadata.name, minReplicas: o.spec?.minReplicas ?? 1 });
    this.#byTarget.set(key, list);
  }

  /**
   * @returns the autoscalers targeting the workload, HPAs first; empty when none.
   */
  of(namespace: string, kind: string, name: string): readonly Autoscaler[] {
    return this.#byTarget.get(keyOf(namespace, kind, name)) ?? [];
  }
}

function keyOf(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`;
}
