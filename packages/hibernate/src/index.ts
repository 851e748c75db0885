/**
 * @module @goscale/hibernate: the verdicts and patches of goscale-hibernate, for programs that want the same answers
 * as the CLI (the demo's case study uses them).
 */
export { judge, VERDICTS, type Judgement, type Verdict, type VerdictContext } from './verdict/verdict.js';
export { AutoscalerIndex, type Autoscaler, type AutoscalerObject } from './verdict/autoscalers.js';
export { hibernatePlan, restorePlan, type Plan } from './patch/plan.js';
export { escapePointer, type Operation } from './patch/ops.js';
export { KINDS, KIND_NAMES, parseKinds, type KindInfo, type Mode } from './workload/kinds.js';
export {
  ORIGINAL_REPLICAS,
  ORIGINAL_SUSPEND,
  OPT_OUT,
  refOf,
  type OwnerReference,
  type Workload,
  type WorkloadRef,
} from './workload/object.js';
