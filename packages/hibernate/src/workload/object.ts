/**
 * @module The slice of a Kubernetes object the tool reads, and the annotation keys it owns.
 */

/** The annotation that keeps a hibernated workload's original `spec.replicas` (a decimal string). */
export const ORIGINAL_REPLICAS = 'goscale.dev/original-replicas';
/** The annotation that keeps a hibernated CronJob's original `spec.suspend`: `"false"`, or `"unset"` when absent. */
export const ORIGINAL_SUSPEND = 'goscale.dev/original-suspend';
/** `goscale.dev/hibernate: "false"` on a workload keeps goscale-hibernate away from it. */
export const OPT_OUT = 'goscale.dev/hibernate';

/** An owner reference; `controller: true` marks the one owner that manages the object. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

/** A workload object as the API returns it (only the fields the tool reads are typed; the rest pass through). */
export interface Workload {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string> | null;
    labels?: Record<string, string> | null;
    ownerReferences?: OwnerReference[] | null;
    [key: string]: unknown;
  };
  spec?: { replicas?: number | null; suspend?: boolean | null; [key: string]: unknown } | null;
  [key: string]: unknown;
}

/** Names one workload. */
export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * @param w - a workload.
 * @returns its reference.
 */
export function refOf(w: Workload): WorkloadRef {
  return { kind: w.kind, namespace: w.metadata.namespace ?? '', name: w.metadata.name };
}

/**
 * @param w - a workload.
 * @param key - an annotation key.
 * @returns the annotation's value, or undefined when absent (a null map counts as empty).
 */
export function annotation(w: Workload, key: string): string | undefined {
  const map = w.metadata.annotations;
  return map != null && Object.hasOwn(map, key) ? map[key] : undefined;
}
