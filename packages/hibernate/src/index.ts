/**
 * @module @goscale/hibernate: the verdicts, patches and runner of goscale-hibernate, for programs that want the same
 * answers as the CLI (the demo's case study uses them): `judge` decides one object, `run` does what the CLI's
 * commands do over a cluster, through a `KubeClient` made from a kubeconfig by `loadConfig`.
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
export { run, type RunOptions } from './run/run.js';
export type { Action, Command, Item, Report, Summary } from './run/types.js';
export type { ScopeOptions } from './run/scope.js';
export {
  KubeClient,
  retryAfterMs,
  type ClientStats,
  type KubeClientOptions,
  type RequestOptions,
  type ResourceInfo,
} from './kube/client.js';
export { loadConfig, UsageError, type ConfigOptions } from './kube/config.js';
