/**
 * @module Hibernates or restores one workload: plan, patch, and on a failed precondition re-read and try again.
 */
import { ApiException } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { hibernatePlan, restorePlan } from '../patch/plan.js';
import { judge, type VerdictContext } from '../verdict/verdict.js';
import { KINDS } from '../workload/kinds.js';
import { ORIGINAL_REPLICAS, ORIGINAL_SUSPEND, annotation, type Workload } from '../workload/object.js';
import type { Item } from './types.js';

/** How one workload is acted on. */
export interface ActOptions {
  command: 'hibernate' | 'restore';
  dryRun: boolean;
  /** Attempts when the patch's precondition fails (409/422): each re-reads the object first. */
  maxAttempts: number;
  ctx: VerdictContext;
  /** Aborted by the first SIGINT: no new request is admitted, a request already sent is let finish. */
  stop: AbortSignal;
  /** Aborted by the second SIGINT: drops requests in flight too. */
  abort: AbortSignal;
}

/** The reason an item carries when the run stopped before its patch was sent. */
export const INTERRUPTED = 'interrupted before its patch was sent: run the command again to continue';

/**
 * Brings one workload to the command's end state.
 *
 * Invariants:
 * - At most one patch is in flight for the object, and each patch is one atomic JSON Patch that carries its own
 *   preconditions: the object is either untouched or completely hibernated (restored), never half.
 * - A 409 or 422 (someone changed the object since it was read) re-reads it and decides again from the fresh copy,
 *   at most `maxAttempts` times; a restore whose replicas someone else changed is reported and left alone.
 * - After `stop` aborts, nothing new is sent: the item comes back `skipped` with {@link INTERRUPTED}.
 * @param w - the object as listed.
 * @returns the item to report; never rejects.
 */
export async function act(client: KubeClient, w: Workload, opts: ActOptions): Promise<Item> {
  const info = KINDS[w.kind]!;
  let current = w;
  for (let attempt = 1; ; attempt++) {
    const j = judge(current, opts.ctx);
    const base = {
      kind: w.kind,
      namespace: w.metadata.namespace ?? '',
      name: w.metadata.name,
      replicas: j.replicas,
      originalReplicas: j.originalReplicas,
    };
    let plan;
    if (opts.command === 'hibernate') {
      if (j.verdict === 'hibernated')
        return { ...base, action: 'unchanged', reason: `already hibernated: ${j.reason}` };
      if (j.verdict !== 'hibernatable')
        return { ...base, action: 'skipped', reason: `${j.verdict}: ${j.reason}` };
      plan = hibernatePlan(current);
    } else {
      // Restore acts on whatever carries our annotation, even in a namespace excluded since: putting back is safe.
      const ours =
        annotation(current, info.mode === 'suspend' ? ORIGINAL_SUSPEND : ORIGINAL_REPLICAS) !== undefined;
      if (!ours) return { ...base, action: 'unchanged', reason: 'not hibernated by goscale-hibernate' };
      if (j.verdict === 'owned') return { ...base, action: 'skipped', reason: `owned: ${j.reason}` };
      plan = restorePlan(current);
    }
    if (!plan.ok) return { ...base, action: 'skipped', reason: plan.reason };
    const done = opts.command === 'hibernate' ? 'hibernated' : 'restored';
    const result = { ...base, replicas: plan.replicas, originalReplicas: plan.originalReplicas };
    if (opts.dryRun)
      return { ...result, action: done, reason: `dry run: would be ${plan.reason}`, patch: plan.ops };
    if (opts.stop.aborted) return { ...base, action: 'skipped', reason: INTERRUPTED };
    try {
      await client.patch(info, base.namespace, base.name, plan.ops, { signal: opts.abort, admit: opts.stop });
      return { ...result, action: done, reason: plan.reason };
    } catch (error) {
      if (opts.stop.aborted && !(error instanceof ApiException)) {
        // Not admitted (or dropped by a second SIGINT): an atomic patch was applied entirely or not at all.
        return {
          ...base,
          action: opts.abort.aborted ? 'failed' : 'skipped',
          reason: opts.abort.aborted
            ? 'interrupted while in flight: applied entirely or not at all; run again to see'
            : INTERRUPTED,
        };
      }
      const code = error instanceof ApiException ? error.code : 0;
      if ((code !== 409 && code !== 422) || attempt >= opts.maxAttempts) {
        const why =
          attempt >= opts.maxAttempts && (code === 409 || code === 422)
            ? `gave up after ${attempt} attempts, changed under us each time: `
            : '';
        return { ...base, action: 'failed', reason: why + apiMessage(error) };
      }
      try {
        current = await client.get(info, base.namespace, base.name, { signal: opts.abort, admit: opts.stop });
      } catch (readError) {
        if (opts.stop.aborted) return { ...base, action: 'skipped', reason: INTERRUPTED };
        return { ...base, action: 'failed', reason: apiMessage(readError) };
      }
    }
  }
}

/**
 * @param error - what a request threw.
 * @returns the API's own message (the `Status` body's `message`) with its code, or the error's message.
 */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeParse(error.body) : error.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    return `HTTP ${error.code}: ${typeof message === 'string' ? message : String(error.body ?? error.message)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
