import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubeClient } from '../kube/client.js';
import { loadConfig } from '../kube/config.js';
import { KINDS } from '../workload/kinds.js';
import { workload } from './fixtures.js';
import { startKubeServer, type KubeServer } from './kube-server.js';

const deployments = KINDS.Deployment!;
const rollouts = KINDS.Rollout!;

async function rejects(p: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (error: unknown) => {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    assert.equal(error.code, code, `status = ${error.code}; want ${code} (${JSON.stringify(error.body)})`);
    if (message) assert.match(JSON.stringify(error.body), message);
    return true;
  });
}

describe('the test API server, driven by the real @kubernetes/client-node over https', () => {
  let api: KubeServer;
  let client: KubeClient;
  let raw: CustomObjectsApi;
  const objects = [
    ...Array.from({ length: 1200 }, (_, i) =>
      workload('Deployment', i % 2 ? 'shop' : 'search', `web-${String(i).padStart(4, '0')}`),
    ),
    workload('Deployment', 'shop', 'db', { metadata: { labels: { app: 'db', tier: 'db', env: 'prod' } } }),
    workload('Deployment', 'shop', 'canary', {
      metadata: { labels: { app: 'web', tier: 'fe', canary: 'yes', env: 'prod' } },
    }),
    workload('Deployment', 'shop', 'front', {
      metadata: { labels: { app: 'web', tier: 'fe', env: 'prod' } },
    }),
    workload('Rollout', 'shop', 'checkout'),
  ];

  before(async () => {
    api = await startKubeServer({ objects });
    const { kc } = loadConfig({ kubeconfig: api.kubeconfig });
    client = new KubeClient(kc, { qps: Infinity, burst: 1 });
    raw = kc.makeApiClient(CustomObjectsApi);
  });
  after(() => api.close());

  it('answers discovery with the CRD groups it serves, and 404 for others', async () => {
    const gv = await client.groupVersions();
    assert.ok(gv.has('apps/v1') && gv.has('argoproj.io/v1alpha1') && gv.has('autoscaling/v2'));
    assert.equal(gv.has('keda.sh/v1alpha1'), false);
    await rejects(
      raw.listClusterCustomObject({ group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' }),
      404,
    );
  });

  it('pages a list with limit and continue, in key order, with kind restored by the client', async () => {
    api.resetStats();
    const all = await client.list(deployments, undefined, undefined, {}, 500);
    assert.equal(all.length, 1203);
    assert.equal(api.stats.requests, 3);
    const keys = all.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(all.every((o) => o.kind === 'Deployment'));
    const page = (await raw.listNamespacedCustomObject({ ...deployments, namespace: 'shop', limit: 10 })) as {
      items: unknown[];
      metadata: { continue?: string; remainingItemCount?: number };
    };
    assert.equal(page.items.length, 10);
    assert.equal(page.metadata.remainingItemCount, 603 - 10);
  });

  it('filters by labelSelector: equality, inequality, set and existence terms', async () => {
    const names = async (sel: string): Promise<string[]> =>
      (await client.list(deployments, 'shop', sel)).map((o) => o.metadata.name);
    assert.deepEqual(await names('app=web,tier!=db'), ['canary', 'front']);
    assert.deepEqual(await names('env in (prod),!canary'), ['db', 'front']);
    assert.deepEqual(await names('canary'), ['canary']);
    assert.deepEqual(await names('tier notin (fe),env'), ['db']);
    await rejects(
      raw.listNamespacedCustomObject({ ...deployments, namespace: 'shop', labelSelector: 'a=(' }),
      400,
      /unable to parse/,
    );
  });

  it('answers 404 with a Status for a missing object', async () => {
    await rejects(client.get(deployments, 'shop', 'nope'), 404, /NotFound/);
    await rejects(
      client.patch(deployments, 'shop', 'nope', [{ op: 'replace', path: '/spec/replicas', value: 0 }]),
      404,
    );
  });

  it('applies a JSON Patch atomically; a failed test is 422 and changes nothing', async () => {
    const before = structuredClone(api.get('Deployment', 'shop', 'front'));
    await rejects(
      client.patch(deployments, 'shop', 'front', [
        { op: 'replace', path: '/spec/replicas', value: 0 },
        { op: 'test', path: '/spec/replicas', value: 99 },
      ]),
      422,
      /test operation failed/,
    );
    assert.deepEqual(api.get('Deployment', 'shop', 'front'), before);
    const after = await client.patch(deployments, 'shop', 'front', [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 1 },
    ]);
    assert.equal(after.spec?.replicas, 1);
    assert.notEqual(after.metadata.resourceVersion, before!.metadata.resourceVersion);
    assert.equal(after.metadata.generation, before!.metadata.generation + 1);
  });

  it('takes merge patches with a resourceVersion precondition (409 when stale), strategic merge for built-ins only, 415 otherwise', async () => {
    const rv = api.get('Deployment', 'shop', 'db')!.metadata.resourceVersion as string;
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await rejects(
      raw.patchNamespacedCustomObject(
        {
          ...deployments,
          namespace: 'shop',
          name: 'db',
          body: { metadata: { resourceVersion: '1' }, spec: { replicas: 5 } },
        },
        merge,
      ),
      409,
      /Conflict/,
    );
    const ok = (await raw.patchNamespacedCustomObject(
      {
        ...deployments,
        namespace: 'shop',
        name: 'db',
        body: { metadata: { resourceVersion: rv }, spec: { replicas: 5 } },
      },
      merge,
    )) as { spec: { replicas: number } };
    assert.equal(ok.spec.replicas, 5);
    const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const ok2 = (await raw.patchNamespacedCustomObject(
      { ...deployments, namespace: 'shop', name: 'db', body: { spec: { replicas: 4 } } },
      smp,
    )) as { spec: { replicas: number } };
    assert.equal(ok2.spec.replicas, 4);
    await rejects(
      raw.patchNamespacedCustomObject(
        { ...rollouts, namespace: 'shop', name: 'checkout', body: { spec: { replicas: 4 } } },
        smp,
      ),
      415,
    );
    await rejects(
      raw.patchNamespacedCustomObject(
        { ...deployments, namespace: 'shop', name: 'db', body: {} },
        setHeaderOptions('Content-Type', 'text/plain'),
      ),
      415,
    );
  });

  it('rejects a patch that makes the object invalid with 422', async () => {
    await rejects(
      client.patch(deployments, 'shop', 'db', [{ op: 'replace', path: '/spec/replicas', value: -1 }]),
      422,
      /spec.replicas/,
    );
    await rejects(
      client.patch(deployments, 'shop', 'db', [{ op: 'replace', path: '/metadata/name', value: 'x' }]),
      422,
      /immutable/,
    );
  });
});

describe('429 and Retry-After', () => {
  it('answers 429 with Retry-After beyond its QPS; the client waits it out and every request succeeds', async () => {
    const api = await startKubeServer({
      qps: 20,
      burst: 2,
      retryAfterSeconds: 0.05,
      objects: [workload('Deployment', 'shop', 'web')],
    });
    try {
      const { kc } = loadConfig({ kubeconfig: api.kubeconfig });
      const client = new KubeClient(kc, { qps: Infinity, burst: 1, max429: 1000 });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => client.get(deployments, 'shop', 'web')),
      );
      assert.equal(results.length, 20);
      assert.ok(api.stats.throttled > 0, 'the server throttled nothing: the test shows nothing');
      assert.equal(client.stats.retries429, api.stats.throttled);
      assert.equal(client.stats.requests, 20 + api.stats.throttled);
    } finally {
      await api.close();
    }
  });

  it('gives up after max429 throttled attempts with the 429', async () => {
    const api = await startKubeServer({
      qps: 0.001,
      burst: 1,
      retryAfterSeconds: 0,
      objects: [workload('Deployment', 'shop', 'web')],
    });
    try {
      const { kc } = loadConfig({ kubeconfig: api.kubeconfig });
      const client = new KubeClient(kc, { qps: Infinity, burst: 1, max429: 3 });
      await client.get(deployments, 'shop', 'web');
      await rejects(client.get(deployments, 'shop', 'web'), 429, /TooManyRequests/);
      assert.equal(client.stats.retries429, 3);
    } finally {
      await api.close();
    }
  });

  it('a request aborted while in flight rejects with the abort', async () => {
    const api = await startKubeServer({ latencyMs: 5_000, objects: [workload('Deployment', 'shop', 'web')] });
    try {
      const { kc } = loadConfig({ kubeconfig: api.kubeconfig });
      const client = new KubeClient(kc, { qps: Infinity, burst: 1 });
      const ac = new AbortController();
      const p = client.get(deployments, 'shop', 'web', { signal: ac.signal });
      setImmediate(() => ac.abort());
      await assert.rejects(p, { name: 'AbortError' });
    } finally {
      await api.close();
    }
  });
});
