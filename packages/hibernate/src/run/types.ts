/**
 * @module What a run reports: one item per workload in scope, and a summary.
 */
import type { Operation } from '../patch/ops.js';
import type { Verdict } from '../verdict/verdict.js';

/** The commands. */
export type Command = 'check' | 'hibernate' | 'restore';

/** What hibernate/restore did to one workload. */
export type Action = 'hibernated' | 'restored' | 'unchanged' | 'skipped' | 'failed';

/** One workload's line of the report. */
export interface Item {
  kind: string;
  namespace: string;
  name: string;
  /** `check`: the verdict. */
  verdict?: Verdict;
  /** `hibernate` / `restore`: what was done (with --dry-run: what would be done). */
  action?: Action;
  replicas: number | null;
  originalReplicas: number | null;
  reason: string;
  /** With --dry-run: the exact JSON Patch that would be sent. */
  patch?: Operation[];
}

/** The totals of a run. */
export interface Summary {
  command: Command;
  total: number;
  verdicts: Record<Verdict, number>;
  actions?: Record<Action, number>;
  dryRun: boolean;
  /** True when a SIGINT stopped the run: items not started are `skipped` with reason "interrupted". */
  interrupted: boolean;
  /** Optional kinds asked for but not served by this cluster (e.g. Rollout without Argo Rollouts). */
  notServed: string[];
  /** Requests sent, retries included, and how many 429s were waited out. */
  requests: number;
  retries429: number;
}

/** A run's result: `-o json` prints exactly this. */
export interface Report {
  items: Item[];
  summary: Summary;
}
