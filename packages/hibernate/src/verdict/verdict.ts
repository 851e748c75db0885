/**
 * @module The case study's verdict: whether a workload can be hibernated, is hibernated, or is none of ours, and why.
 */
import { KINDS } from '../workload/kinds.js';
import {
  ORIGINAL_REPLICAS,
  ORIGINAL_SUSPEND,
  OPT_OUT,
  annotation,
  type Workload,
} from '../workload/object.js';
import { AutoscalerIndex } from './autoscalers.js';

/** A workload's verdict. */
export type Verdict = 'hibernatable' | 'hibernated' | 'owned' | 'not-scalable' | 'excluded';

/** Every verdict, in the order summaries list them. */
export const VERDICTS: readonly Verdict[] = Object.freeze([
  'hibernatable',
  'hibernated',
  'owned',
  'not-scalable',
  'excluded',
]);

/** A verdict with what it was decided from. */
export interface Judgement {
  verdict: Verdict;
  /** One sentence a person can act on. */
  reason: string;
  /** `spec.replicas` now (null for CronJobs and objects without it). */
  replicas: number | null;
  /** What our annotation says the original was (null when absent or unreadable). */
  originalReplicas: number | null;
}

/** What a verdict depends on besides the object itself. */
export interface VerdictContext {
  /** Namespaces never touched (kube-system, kube-public, kube-node-lease by default). */
  excludedNamespaces?: ReadonlySet<string>;
  /** The autoscalers in scope. */
  autoscalers?: AutoscalerIndex;
}

const NO_AUTOSCALERS = new AutoscalerIndex();

/**
 * Decides one workload's verdict. Pure: the same object and context give the same judgement.
 *
 * The rules, first match wins:
 * 1. `excluded`: its namespace is excluded.
 * 2. `owned`: it has a controller ownerReference (a Deployment's ReplicaSet): its owner is the one to hibernate.
 * 3. `not-scalable`: a replicas kind without a numeric `spec.replicas`, or a kind the tool does not know.
 * 4. `hibernated`: replicas 0 (CronJob: `suspend: true`) and our annotation present: `restore` puts it back.
 * 5. `excluded`: annotation `goscale.dev/hibernate: "false"`; a KEDA ScaledObject drives it (KEDA activates it from
 *    0 as soon as a trigger fires: pause KEDA instead); an HPA with `minReplicas: 0` drives it (HPAScaleToZero: the
 *    HPA would scale it back up on its metric); it is already at 0 replicas or suspended, not by us.
 * 6. `hibernatable`: everything else. An HPA with `minReplicas >= 1` does not fight: the HPA controller disables
 *    scaling while its target has 0 replicas (condition ScalingActive=False, reason ScalingDisabled) and resumes
 *    once `restore` brings the replicas back.
 * @param w - the object as the API returned it.
 * @param ctx - excluded namespaces and the autoscalers in scope.
 * @returns the verdict, its reason, and the replica counts it was read from.
 * @example
 * ```ts
 * judge(deployment, { excludedNamespaces: new Set(['kube-system']) }).verdict; // 'hibernatable'
 * ```
 */
export function judge(w: Workload, ctx: VerdictContext = {}): Judgement {
  const info = KINDS[w.kind];
  const raw = w.spec?.replicas;
  const replicas = typeof raw === 'number' ? raw : null;
  const noted = info?.mode === 'suspend' ? undefined : annotation(w, ORIGINAL_REPLICAS);
  const parsed = noted === undefined ? NaN : Number(noted);
  const originalReplicas = Number.isSafeInteger(parsed) && parsed >= 0 && noted !== '' ? parsed : null;
  const out = (verdict: Verdict, reason: string): Judgement => ({
    verdict,
    reason,
    replicas,
    originalReplicas,
  });
  const namespace = w.metadata.namespace ?? '';

  if (ctx.excludedNamespaces?.has(namespace)) return out('excluded', `namespace ${namespace} is excluded`);
  const owner = w.metadata.ownerReferences?.find((o) => o.controller === true);
  if (owner !== undefined)
    return out('owned', `controlled by ${owner.kind} ${owner.name}: hibernate that instead`);
  if (info === undefined) return out('not-scalable', `kind ${w.kind} is not one goscale-hibernate scales`);

  if (info.mode === 'suspend') {
    const suspended = w.spec?.suspend === true;
    const original = annotation(w, ORIGINAL_SUSPEND);
    if (suspended && original !== undefined)
      return out('hibernated', `suspended; restore sets suspend back to ${original}`);
    if (annotation(w, OPT_OUT) === 'false') return out('excluded', `annotation ${OPT_OUT}: "false"`);
    if (suspended) return out('excluded', 'already suspended, not by goscale-hibernate');
    return out(
      'hibernatable',
      original === undefined ? 'not suspended' : `not suspended (a stale ${ORIGINAL_SUSPEND} is replaced)`,
    );
  }

  if (replicas === null) return out('not-scalable', 'no spec.replicas');
  if (replicas === 0 && noted !== undefined) {
    if (originalReplicas === null) {
      return out(
        'not-scalable',
        `replicas 0 but ${ORIGINAL_REPLICAS} is ${JSON.stringify(noted)}, not a replica count`,
      );
    }
    return out('hibernated', `replicas 0; restore brings back ${originalReplicas}`);
  }
  if (annotation(w, OPT_OUT) === 'false') return out('excluded', `annotation ${OPT_OUT}: "false"`);
  const scalers = (ctx.autoscalers ?? NO_AUTOSCALERS).of(namespace, w.kind, w.metadata.name);
  const keda = scalers.find((s) => s.kind === 'ScaledObject');
  if (keda !== undefined) {
    return out(
      'excluded',
      `KEDA ScaledObject ${keda.name} scales it: pause KEDA (autoscaling.keda.sh/paused-replicas: "0") instead`,
    );
  }
  const zeroHpa = scalers.find((s) => s.kind === 'HorizontalPodAutoscaler' && s.minReplicas === 0);
  if (zeroHpa !== undefined) {
    return out('excluded', `HPA ${zeroHpa.name} has minReplicas 0 and would scale it back up from 0`);
  }
  if (replicas === 0) return out('excluded', 'already at 0 replicas, not by goscale-hibernate');
  const hpa = scalers.find((s) => s.kind === 'HorizontalPodAutoscaler');
  const stale =
    noted === undefined
      ? ''
      : ` (woken since an earlier hibernation: the stale ${ORIGINAL_REPLICAS} is replaced)`;
  const hpaNote = hpa === undefined ? '' : `; HPA ${hpa.name} pauses at 0 replicas and resumes on restore`;
  return out('hibernatable', `replicas ${replicas}${stale}${hpaNote}`);
}
