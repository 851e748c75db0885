/**
 * @module The tool's API client: @kubernetes/client-node's generic object API behind a goscale `Limiter` (client-side
 * QPS and burst, as client-go has and client-node lacks), with 429 `Retry-After` honoured and every request
 * cancellable.
 */
import {
  ApiException,
  ApisApi,
  CustomObjectsApi,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { Agent } from 'node:https';
import { sleep } from 'goscale';
import { Limiter } from 'goscale/rate';
import type { Operation } from '../patch/ops.js';
import type { Workload } from '../workload/object.js';

/** Where a resource lives. */
export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /** Requests per second, sustained. */
  qps: number;
  /** Requests that may go at once after a quiet spell. */
  burst: number;
  /** How many 429s one request may meet before it fails. Default 10. */
  max429?: number;
}

/** How one call may be cancelled. */
export interface RequestOptions {
  /** Aborts the call at any point, in flight included. */
  signal?: AbortSignal | undefined;
  /**
   * Aborts only while the call waits for a token or after a 429, that is, before anything is sent: once a request
   * is out, only `signal` stops it. Default: `signal`.
   */
  admit?: AbortSignal | undefined;
}

/** What the client counted (synchronously, between awaits: exact under concurrency). */
export interface ClientStats {
  requests: number;
  retries429: number;
}

/** The longest `Retry-After` honoured as given; longer ones are capped so a bad header cannot stall the run. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * A rate-limited client for the workload kinds.
 *
 * Invariants:
 * - Every request, retries included, first takes a token from the `Limiter` (FIFO, so no request starves), then
 *   goes out with the caller's `signal` attached to the fetch: an abort before sending sends nothing; an abort while
 *   in flight drops the connection (the server may still have applied a PATCH: callers that must know, do not abort
 *   sent patches; see the CLI's SIGINT handling).
 * - A 429 is retried after its `Retry-After` (seconds; 1 s when absent, capped at 60 s), at most `max429` times.
 *   Any other error is thrown as the `ApiException` client-node raised, with the API's `Status` in `body`.
 */
export class KubeClient {
  readonly stats: ClientStats = { requests: 0, retries429: 0 };
  readonly #objects: CustomObjectsApi;
  readonly #apis: ApisApi;
  readonly #limiter: Limiter;
  readonly #max429: number;
  #agent: Agent | undefined;

  constructor(kc: KubeConfig, opts: KubeClientOptions) {
    this.#objects = kc.makeApiClient(CustomObjectsApi);
    this.#apis = kc.makeApiClient(ApisApi);
    this.#limiter = new Limiter({ rate: opts.qps, burst: opts.burst });
    this.#max429 = opts.max429 ?? 10;
  }

  /**
   * Discovery: the group/versions the API serves (GET /apis), so optional CRDs are used only when installed.
   * @returns a set of `group/version` strings.
   */
  async groupVersions(opts?: RequestOptions): Promise<Set<string>> {
    const list = await this.#call((o) => this.#apis.getAPIVersions({}, o), opts);
    return new Set(list.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)));
  }

  /**
   * Lists every object of a resource, one page of `pageSize` at a time (`limit`/`continue`).
   * @param namespace - one namespace, or undefined for all.
   * @returns the objects, each with `kind` set (built-in list items come without it).
   */
  async list(
    r: ResourceInfo,
    namespace: string | undefined,
    labelSelector: string | undefined,
    opts?: RequestOptions,
    pageSize = 500,
  ): Promise<Workload[]> {
    const out: Workload[] = [];
    let token: string | undefined;
    do {
      const base = {
        group: r.group,
        version: r.version,
        plural: r.plural,
        limit: pageSize,
        _continue: token,
        labelSelector,
      };
      const page = (await this.#call(
        (o) =>
          namespace === undefined
            ? this.#objects.listClusterCustomObject(base, o)
            : this.#objects.listNamespacedCustomObject({ ...base, namespace }, o),
        opts,
      )) as { items?: Workload[]; metadata?: { continue?: string } };
      for (const item of page.items ?? [])
        out.push({ ...item, kind: r.kind, apiVersion: `${r.group}/${r.version}` });
      token = page.metadata?.continue || undefined;
    } while (token !== undefined);
    return out;
  }

  /** GETs one object (for a re-read after a failed precondition). */
  async get(r: ResourceInfo, namespace: string, name: string, opts?: RequestOptions): Promise<Workload> {
    const o = (await this.#call(
      (opt) =>
        this.#objects.getNamespacedCustomObject(
          { group: r.group, version: r.version, plural: r.plural, namespace, name },
          opt,
        ),
      opts,
    )) as Workload;
    return { ...o, kind: r.kind, apiVersion: `${r.group}/${r.version}` };
  }

  /** PATCHes one object with a JSON Patch (application/json-patch+json, client-node's default for this call). */
  async patch(
    r: ResourceInfo,
    namespace: string,
    name: string,
    ops: Operation[],
    opts?: RequestOptions,
  ): Promise<Workload> {
    return (await this.#call(
      (o) =>
        this.#objects.patchNamespacedCustomObject(
          { group: r.group, version: r.version, plural: r.plural, namespace, name, body: ops },
          o,
        ),
      opts,
    )) as Workload;
  }

  /** Closes the kept-alive connections (the CLI exits instead; tests and the benchmark call this). */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  /**
   * Per-call options: attach `signal` to the fetch (node-fetch aborts the request with it), and send every request
   * through one keep-alive agent. client-node 1.x builds a new https.Agent for every request, so each one pays a TCP
   * connect and a TLS handshake: in bench/hibernate.bench.ts that made requests several times slower than the API's
   * latency. The shared agent takes the TLS options (CA, client certificate) of the one client-node built; a proxy
   * agent (a subclass) is left as it is.
   */
  #options(signal: AbortSignal | undefined): ConfigurationOptions {
    const middleware = {
      pre: (ctx: RequestContext) => {
        if (signal !== undefined) ctx.setSignal(signal);
        const given = ctx.getAgent();
        if (given?.constructor === Agent) {
          this.#agent ??= new Agent({ ...given.options, keepAlive: true });
          ctx.setAgent(this.#agent);
        }
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  async #call<T>(
    fn: (options: ConfigurationOptions) => Promise<T>,
    opts: RequestOptions | undefined,
  ): Promise<T> {
    const signal = opts?.signal;
    const admit = opts?.admit ?? signal;
    const options = this.#options(signal);
    for (let throttled = 0; ; throttled++) {
      await this.#limiter.wait(1, { signal: admit });
      this.stats.requests++;
      try {
        return await fn(options);
      } catch (error) {
        if (!(error instanceof ApiException) || error.code !== 429 || throttled >= this.#max429) throw error;
        this.stats.retries429++;
        await sleep(retryAfterMs(error.headers), { signal: admit });
      }
    }
  }
}

/**
 * @param headers - a 429's headers.
 * @returns how long to wait: `Retry-After` in seconds (an HTTP date is honoured too), 1 s when absent or unreadable.
 */
export function retryAfterMs(headers: Record<string, string> | undefined): number {
  const raw = headers?.['retry-after'];
  if (raw === undefined) return 1000;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  if (!Number.isFinite(ms)) return 1000;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
