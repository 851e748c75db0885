/**
 * @module The patch that hibernates one workload and the patch that restores it: one atomic JSON Patch each.
 */
import { KINDS } from '../workload/kinds.js';
import { ORIGINAL_REPLICAS, ORIGINAL_SUSPEND, annotation, type Workload } from '../workload/object.js';
import { removeAnnotation, setAnnotation, type Operation } from './ops.js';

/** A planned change: the JSON Patch to send, or why there is none. */
export type Plan =
  | { ok: true; ops: Operation[]; replicas: number | null; originalReplicas: number | null; reason: string }
  | { ok: false; reason: string };

/**
 * The JSON Patch that hibernates `w`, which the verdict found `hibernatable`. One patch does both halves (the
 * replicas or suspend, and the annotation that remembers them), and the API server applies a patch atomically: an
 * object is never left scaled down without its original count, however the run is interrupted.
 *
 * Preconditions in the patch itself: a `test` of the replicas (or suspend) value read, and a `test` of the
 * resourceVersion read, so that any change since the verdict was decided (an opt-out annotation, a new owner, an
 * autoscaler's scaling) fails the patch with 422 and applies nothing; the caller re-reads and decides again. The
 * price is a retry when only the status moved, which is rare for a workload at rest. `restorePlan` tests only what
 * it owns (replicas 0 and the annotation's value): putting back is right whatever else changed.
 * @param w - the object as read.
 * @returns the operations; `ok: false` when the object has nothing to hibernate.
 * @example
 * ```ts
 * hibernatePlan(deployment).ops; // test replicas 3, test resourceVersion, add …/goscale.dev~1original-replicas "3", replace replicas 0
 * ```
 */
export function hibernatePlan(w: Workload): Plan {
  const info = KINDS[w.kind];
  if (info === undefined) return { ok: false, reason: `kind ${w.kind} is not one goscale-hibernate scales` };
  if (info.mode === 'suspend') {
    const suspend = w.spec?.suspend;
    if (suspend === true) return { ok: false, reason: 'already suspended' };
    const explicit = suspend === false;
    const ops: Operation[] = [];
    if (explicit) ops.push({ op: 'test', path: '/spec/suspend', value: false });
    ops.push(rvTest(w));
    ops.push(...setAnnotation(w, ORIGINAL_SUSPEND, explicit ? 'false' : 'unset'));
    ops.push({ op: explicit ? 'replace' : 'add', path: '/spec/suspend', value: true });
    return { ok: true, ops: dedupe(ops), replicas: null, originalReplicas: null, reason: 'suspended' };
  }
  const replicas = w.spec?.replicas;
  if (typeof replicas !== 'number') return { ok: false, reason: 'no spec.replicas' };
  if (replicas === 0) return { ok: false, reason: 'already at 0 replicas' };
  const ops: Operation[] = [
    { op: 'test', path: '/spec/replicas', value: replicas },
    rvTest(w),
    ...setAnnotation(w, ORIGINAL_REPLICAS, String(replicas)),
    { op: 'replace', path: '/spec/replicas', value: 0 },
  ];
  return {
    ok: true,
    ops: dedupe(ops),
    replicas: 0,
    originalReplicas: replicas,
    reason: `scaled from ${replicas} to 0`,
  };
}

/**
 * The JSON Patch that puts back exactly what {@link hibernatePlan} changed and removes its annotation. A workload
 * whose replicas (or suspend) someone changed since the hibernation is left alone: `ok: false` with the reason.
 * @param w - the object as read.
 * @returns the operations, preconditions first; `ok: false` when there is nothing of ours to restore.
 * @example
 * ```ts
 * restorePlan(hibernated).ops; // test /spec/replicas 0, test the annotation, remove it, replace /spec/replicas 3
 * ```
 */
export function restorePlan(w: Workload): Plan {
  const info = KINDS[w.kind];
  if (info === undefined) return { ok: false, reason: `kind ${w.kind} is not one goscale-hibernate scales` };
  if (info.mode === 'suspend') {
    const original = annotation(w, ORIGINAL_SUSPEND);
    if (original === undefined) return { ok: false, reason: 'not hibernated by goscale-hibernate' };
    if (original !== 'false' && original !== 'unset') {
      return {
        ok: false,
        reason: `${ORIGINAL_SUSPEND} is ${JSON.stringify(original)}, expected "false" or "unset"`,
      };
    }
    if (w.spec?.suspend !== true)
      return { ok: false, reason: 'resumed by someone else since hibernation: left alone' };
    const ops: Operation[] = [
      { op: 'test', path: '/spec/suspend', value: true },
      ...removeAnnotation(w, ORIGINAL_SUSPEND),
      original === 'false'
        ? { op: 'replace', path: '/spec/suspend', value: false }
        : { op: 'remove', path: '/spec/suspend' },
    ];
    return { ok: true, ops, replicas: null, originalReplicas: null, reason: `suspend back to ${original}` };
  }
  const noted = annotation(w, ORIGINAL_REPLICAS);
  if (noted === undefined) return { ok: false, reason: 'not hibernated by goscale-hibernate' };
  const original = Number(noted);
  if (noted === '' || !Number.isSafeInteger(original) || original < 0) {
    return { ok: false, reason: `${ORIGINAL_REPLICAS} is ${JSON.stringify(noted)}, not a replica count` };
  }
  const replicas = w.spec?.replicas;
  if (replicas !== 0) {
    return {
      ok: false,
      reason: `replicas changed to ${String(replicas)} since hibernation (original ${original}): left alone`,
    };
  }
  const ops: Operation[] = [
    { op: 'test', path: '/spec/replicas', value: 0 },
    ...removeAnnotation(w, ORIGINAL_REPLICAS),
    { op: 'replace', path: '/spec/replicas', value: original },
  ];
  return {
    ok: true,
    ops,
    replicas: original,
    originalReplicas: original,
    reason: `scaled from 0 back to ${original}`,
  };
}

function rvTest(w: Workload): Operation {
  const rv = w.metadata.resourceVersion;
  if (rv === undefined)
    throw new TypeError(`${w.kind} ${w.metadata.name}: no metadata.resourceVersion to guard the patch`);
  return { op: 'test', path: '/metadata/resourceVersion', value: rv };
}

/** setAnnotation may add the same resourceVersion test (for a missing map): send it once. */
function dedupe(ops: Operation[]): Operation[] {
  const seen = new Set<string>();
  return ops.filter((o) => {
    const key = JSON.stringify(o);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
