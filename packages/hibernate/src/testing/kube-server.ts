/**
 * @module A loopback Kubernetes-style API server for the tests and the benchmark: https with its own CA, bearer-token
 * auth, discovery, lists with `limit`/`continue` and `labelSelector`, get, patch by content type with
 * `resourceVersion` conflicts and JSON Patch `test` failures, 404, and 429 with `Retry-After` beyond a set QPS.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyPatch, PatchError } from './apply-patch.js';
import { makeCerts } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { parseSelector } from './selector.js';

// Free-form API objects: the server and the fixtures read and write arbitrary JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** One resource the server serves. */
interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  builtIn: boolean;
}

const BUILT_IN: Resource[] = [
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', builtIn: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', builtIn: true },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', builtIn: true },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', builtIn: true },
  {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    builtIn: true,
  },
];
const ROLLOUTS: Resource = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'rollouts',
  kind: 'Rollout',
  builtIn: false,
};
const KEDA: Resource = {
  group: 'keda.sh',
  version: 'v1alpha1',
  plural: 'scaledobjects',
  kind: 'ScaledObject',
  builtIn: false,
};

/** Options of {@link startKubeServer}. */
export interface KubeServerOptions {
  /** Requests per second admitted before 429 (a token bucket with `burst`). Default Infinity. */
  qps?: number;
  /** The bucket's size. Default max(1, qps/10). */
  burst?: number;
  /** Milliseconds each admitted request takes before it is answered. Default 0. */
  latencyMs?: number;
  /** Whether argoproj.io/v1alpha1 Rollouts are served (the CRD is installed). Default true. */
  rollouts?: boolean;
  /** Whether keda.sh/v1alpha1 ScaledObjects are served. Default false. */
  keda?: boolean;
  /** The `Retry-After` seconds of a 429. Default 1, as API Priority and Fairness answers. */
  retryAfterSeconds?: number;
  /** The objects to start with (kind, metadata.namespace and metadata.name set). */
  objects?: Obj[];
  /** The context's default namespace in the kubeconfig. */
  namespace?: string;
}

/** What the server counted. */
export interface KubeServerStats {
  requests: number;
  throttled: number;
  patches: number;
  /** PATCH answers by status code. */
  patchStatus: Record<number, number>;
  peakInFlight: number;
}

/** A running test API server. */
export interface KubeServer {
  url: string;
  kubeconfig: string;
  stats: KubeServerStats;
  /** The stored object, or undefined. */
  get(kind: string, namespace: string, name: string): Obj | undefined;
  /** Every stored object of the workload kinds, sorted by kind/namespace/name. */
  all(): Obj[];
  /** Changes a stored object as another client would (a new resourceVersion). */
  update(kind: string, namespace: string, name: string, fn: (o: Obj) => void): void;
  /** Called before each PATCH is applied, with the stored object: lets a test change it under the tool's feet. */
  beforePatch?: ((o: Obj) => void) | undefined;
  /** Called after each PATCH was answered, with its status. */
  afterPatch?: ((o: Obj, status: number) => void) | undefined;
  resetStats(): void;
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 with a fresh CA, and writes a kubeconfig for it.
 * @param opts - limits, latency, which CRDs are served, the objects.
 * @returns the running server.
 */
export async function startKubeServer(opts: KubeServerOptions = {}): Promise<KubeServer> {
  const { qps = Infinity, latencyMs = 0, rollouts = true, keda = false, retryAfterSeconds = 1 } = opts;
  const burst = opts.burst ?? Math.max(1, Math.floor(qps / 10));
  const token = `t-${Math.random().toString(36).slice(2)}`;
  const resources = [...BUILT_IN, ...(rollouts ? [ROLLOUTS] : []), ...(keda ? [KEDA] : [])];
  const byKind = new Map(resources.map((r) => [r.kind, r]));
  const store = new Map<string, Obj>();
  let rv = 1000;
  const keyOf = (kind: string, ns: string, name: string): string => `${kind}\0${ns}\0${name}`;
  for (const o of opts.objects ?? []) {
    const copy = structuredClone(o);
    copy.metadata.resourceVersion = String(++rv);
    copy.metadata.uid ??= `uid-${rv}`;
    copy.metadata.generation ??= 1;
    store.set(keyOf(copy.kind, copy.metadata.namespace, copy.metadata.name), copy);
  }

  const stats: KubeServerStats = { requests: 0, throttled: 0, patches: 0, patchStatus: {}, peakInFlight: 0 };
  let inFlight = 0;
  let tokens = burst;
  let last = performance.now();
  const admit = (): boolean => {
    if (qps === Infinity) return true;
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const certs = await makeCerts();
  const sockets = new Set<import('node:stream').Duplex>();
  const server: Server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    stats.requests++;
    if (req.headers.authorization !== `Bearer ${token}`)
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (!admit()) {
      stats.throttled++;
      res.setHeader('Retry-After', String(retryAfterSeconds));
      return status(res, 429, 'TooManyRequests', 'Too many requests, please try again later.', {
        retryAfterSeconds,
      });
    }
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const answer = (): void => {
        inFlight--;
        try {
          route(req, res, Buffer.concat(body).toString('utf8'));
        } catch (error) {
          status(res, 500, 'InternalError', String(error));
        }
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function route(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', 'https://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'GET' && url.pathname === '/apis') return json(res, 200, groupList());
    if (parts[0] !== 'apis')
      return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    const [, group, version, ...rest] = parts;
    const served = resources.filter((r) => r.group === group && r.version === version);
    if (served.length === 0)
      return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    if (rest.length === 0 && req.method === 'GET') {
      return json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${group}/${version}`,
        resources: served.map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: true,
          kind: r.kind,
          verbs: ['get', 'list', 'patch', 'watch'],
        })),
      });
    }
    let ns: string | undefined;
    let plural: string | undefined;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) [, ns, plural, name] = rest;
    else if (rest.length === 1) plural = rest[0];
    const r = served.find((x) => x.plural === plural);
    if (r === undefined || (name === undefined && rest.length > 3)) {
      return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    }
    if (name === undefined) {
      if (req.method !== 'GET')
        return status(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on a collection`);
      return list(res, r, ns, url.searchParams);
    }
    const key = keyOf(r.kind, ns!, name);
    const current = store.get(key);
    if (current === undefined) {
      if (req.method === 'PATCH') count(404);
      return status(res, 404, 'NotFound', `${r.plural}.${r.group} "${name}" not found`, {
        name,
        group: r.group,
        kind: r.plural,
      });
    }
    if (req.method === 'GET') return json(res, 200, current);
    if (req.method !== 'PATCH')
      return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
    handle.beforePatch?.(current);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      count(400);
      return status(res, 400, 'BadRequest', 'the request body is not valid JSON');
    }
    const stored = store.get(key)!;
    try {
      const next: Obj = applyPatch(stored, String(req.headers['content-type'] ?? ''), body, r.builtIn);
      validate(stored, next);
      if (JSON.stringify(next.spec) !== JSON.stringify(stored.spec))
        next.metadata.generation = (stored.metadata.generation ?? 1) + 1;
      // The API server does not store an empty annotations map (omitempty).
      if (
        next.metadata.annotations !== undefined &&
        Object.keys(next.metadata.annotations ?? {}).length === 0
      )
        delete next.metadata.annotations;
      next.metadata.resourceVersion = String(++rv);
      store.set(key, next);
      count(200);
      json(res, 200, next);
      handle.afterPatch?.(next, 200);
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
      count(error.code);
      status(res, error.code, error.reason, error.message, { name, group: r.group, kind: r.plural });
      handle.afterPatch?.(stored, error.code);
    }
  }

  function count(code: number): void {
    stats.patches++;
    stats.patchStatus[code] = (stats.patchStatus[code] ?? 0) + 1;
  }

  function validate(before: Obj, after: Obj): void {
    for (const f of ['kind', 'apiVersion'] as const) {
      if (after[f] !== before[f])
        throw new PatchError(422, 'Invalid', `${f}: Invalid value: field is immutable`);
    }
    for (const f of ['name', 'namespace', 'uid'] as const) {
      if (after.metadata?.[f] !== before.metadata[f])
        throw new PatchError(422, 'Invalid', `metadata.${f}: Invalid value: field is immutable`);
    }
    const replicas = after.spec?.replicas;
    if (replicas !== undefined && !(Number.isSafeInteger(replicas) && replicas >= 0)) {
      throw new PatchError(
        422,
        'Invalid',
        `spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    }
    const suspend = after.spec?.suspend;
    if (suspend !== undefined && typeof suspend !== 'boolean')
      throw new PatchError(422, 'Invalid', `spec.suspend: Invalid value: ${JSON.stringify(suspend)}`);
    for (const [k, v] of Object.entries(after.metadata.annotations ?? {})) {
      if (typeof v !== 'string')
        throw new PatchError(
          400,
          'BadRequest',
          `metadata.annotations[${k}]: expected a string, got ${JSON.stringify(v)}`,
        );
    }
  }

  function list(res: ServerResponse, r: Resource, ns: string | undefined, q: URLSearchParams): void {
    let match: ReturnType<typeof parseSelector>;
    try {
      match = parseSelector(q.get('labelSelector') ?? '');
    } catch (error) {
      return status(res, 400, 'BadRequest', `unable to parse requirement: ${(error as Error).message}`);
    }
    const limit = Number(q.get('limit') ?? 0);
    if (!Number.isSafeInteger(limit) || limit < 0)
      return status(res, 400, 'BadRequest', `invalid limit ${q.get('limit')}`);
    const cont = q.get('continue');
    let after = '';
    if (cont !== null && cont !== '') {
      try {
        after = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')).start as string;
      } catch {
        return status(res, 400, 'BadRequest', 'continue key is not valid');
      }
    }
    // Sorted as etcd keys are (namespace/name); each page is read from the live store (the real API serves every
    // page from the first page's snapshot until it is compacted; the tool does not depend on the difference).
    const all = [...store.values()]
      .filter(
        (o) =>
          o.kind === r.kind && (ns === undefined || o.metadata.namespace === ns) && match(o.metadata.labels),
      )
      .map((o) => ({ o, k: `${o.metadata.namespace}/${o.metadata.name}` }))
      .filter((x) => x.k > after)
      .sort((a, b) => (a.k < b.k ? -1 : 1));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: Obj = { resourceVersion: String(rv) };
    if (limit > 0 && all.length > limit) {
      metadata.continue = Buffer.from(JSON.stringify({ start: page.at(-1)!.k })).toString('base64url');
      metadata.remainingItemCount = all.length - limit;
    }
    // Items of a built-in list carry no kind/apiVersion (the list's kind says it); custom resources' do.
    const items = page.map(({ o }) => {
      if (!r.builtIn) return o;
      const { kind: _k, apiVersion: _a, ...rest } = o;
      return rest;
    });
    json(res, 200, { kind: `${r.kind}List`, apiVersion: `${r.group}/${r.version}`, metadata, items });
  }

  function groupList(): Obj {
    const groups = new Map<string, string[]>();
    for (const r of resources) groups.set(r.group, [...new Set([...(groups.get(r.group) ?? []), r.version])]);
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = await writeKubeconfig({ server: url, ca: certs.ca, token, namespace: opts.namespace });
  const kindOf = (kind: string): string => {
    if (!byKind.has(kind)) throw new RangeError(`kube-server: kind ${kind} is not served`);
    return kind;
  };
  const handle: KubeServer = {
    url,
    kubeconfig,
    stats,
    get: (kind, ns, name) => store.get(keyOf(kindOf(kind), ns, name)),
    all: () =>
      [...store.values()].sort((a, b) =>
        keyOf(a.kind, a.metadata.namespace, a.metadata.name) <
        keyOf(b.kind, b.metadata.namespace, b.metadata.name)
          ? -1
          : 1,
      ),
    update(kind, ns, name, fn) {
      const o = store.get(keyOf(kindOf(kind), ns, name));
      if (o === undefined) throw new RangeError(`kube-server: no ${kind} ${ns}/${name}`);
      fn(o);
      o.metadata.resourceVersion = String(++rv);
    },
    resetStats() {
      Object.assign(stats, { requests: 0, throttled: 0, patches: 0, patchStatus: {}, peakInFlight: 0 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  return handle;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A `Status` object, the API's error body. */
function status(res: ServerResponse, code: number, reason: string, message: string, details?: Obj): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  });
}
