/**
 * @module One run of check, hibernate or restore over everything in scope.
 */
import { setMaxListeners } from 'node:events';
import { map } from 'goscale/pool';
import type { KubeClient } from '../kube/client.js';
import { judge, VERDICTS, type Verdict } from '../verdict/verdict.js';
import { act, INTERRUPTED } from './act.js';
import { readScope, type ScopeOptions } from './scope.js';
import type { Action, Command, Item, Report } from './types.js';

// A signal that never aborts, for callers that do not cancel; it never gets a listener that outlives a request.
const NEVER = new AbortController().signal;
setMaxListeners(Infinity, NEVER);

const ACTIONS: readonly Action[] = ['hibernated', 'restored', 'unchanged', 'skipped', 'failed'];

/** Options of {@link run}. */
export interface RunOptions extends ScopeOptions {
  command: Command;
  excludedNamespaces: ReadonlySet<string>;
  dryRun: boolean;
  /** Workloads patched at once. */
  concurrency: number;
  /** Attempts per workload when its precondition fails. Default 5. */
  maxAttempts?: number;
  /** First SIGINT: no new request. Default: never. */
  stop?: AbortSignal | undefined;
  /** Second SIGINT: in-flight requests dropped too. Default: never. */
  abort?: AbortSignal | undefined;
  /** Called after each workload is decided, with the count done and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/**
 * Reads the scope, judges every workload, and for hibernate/restore acts on each through goscale's `map` with at
 * most `concurrency` at once (each request also takes a token from the client's Limiter).
 *
 * Invariants: every workload in scope gets exactly one item, in scope order; a SIGINT during the reads returns with
 * no items (nothing was changed); a SIGINT while acting lets the sent patches finish and reports the rest `skipped`
 * with the reason "interrupted …", so the same command run again continues where this one stopped.
 * @param client - the rate-limited client every request goes through.
 * @param options - the command, the scope, and how many workloads are patched at once.
 * @returns the report; rejects only when the reads fail (the CLI exits 1 with the API's message).
 * @example
 * ```ts
 * const { kc } = loadConfig({ kubeconfig: '/path/to/kubeconfig' });
 * const client = new KubeClient(kc, { qps: 50, burst: 100 });
 * const report = await run(client, {
 *   command: 'check',
 *   namespace: undefined, // -A
 *   selector: undefined,
 *   kinds: KIND_NAMES,
 *   excludedNamespaces: new Set(['kube-system']),
 *   dryRun: false,
 *   concurrency: 16,
 * });
 * client.close();
 * report.summary.verdicts.hibernatable;
 * ```
 */
export async function run(client: KubeClient, options: RunOptions): Promise<Report> {
  const opts = { ...options, stop: options.stop ?? NEVER, abort: options.abort ?? NEVER };
  const counts = (): Record<Verdict, number> =>
    Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const summary = {
    command: opts.command,
    total: 0,
    verdicts: counts(),
    dryRun: opts.dryRun,
    interrupted: false,
    notServed: [] as string[],
    requests: 0,
    retries429: 0,
  };
  const finish = (items: Item[]): Report => {
    const actions = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
    for (const item of items) if (item.action !== undefined) actions[item.action]++;
    return {
      items,
      summary: {
        ...summary,
        total: items.length,
        ...(opts.command === 'check' ? {} : { actions }),
        interrupted: opts.stop.aborted,
        requests: client.stats.requests,
        retries429: client.stats.retries429,
      },
    };
  };
  let scope;
  try {
    scope = await readScope(client, opts, opts.stop);
  } catch (error) {
    if (opts.stop.aborted) return finish([]);
    throw error;
  }
  summary.notServed = scope.notServed;
  const ctx = { excludedNamespaces: opts.excludedNamespaces, autoscalers: scope.autoscalers };
  const total = scope.workloads.length;
  for (const w of scope.workloads) summary.verdicts[judge(w, ctx).verdict]++;
  if (opts.command === 'check') {
    const items = scope.workloads.map((w): Item => {
      const j = judge(w, ctx);
      return {
        kind: w.kind,
        namespace: w.metadata.namespace ?? '',
        name: w.metadata.name,
        verdict: j.verdict,
        replicas: j.replicas,
        originalReplicas: j.originalReplicas,
        reason: j.reason,
      };
    });
    opts.onProgress?.(total, total);
    return finish(items);
  }
  let done = 0;
  const items = await map(
    scope.workloads,
    async (w) => {
      const item = await act(client, w, {
        command: opts.command as 'hibernate' | 'restore',
        dryRun: opts.dryRun,
        maxAttempts: opts.maxAttempts ?? 5,
        ctx,
        stop: opts.stop,
        abort: opts.abort,
      });
      opts.onProgress?.(++done, total);
      return item;
    },
    { concurrency: opts.concurrency },
  );
  return finish(items);
}

export { INTERRUPTED };
