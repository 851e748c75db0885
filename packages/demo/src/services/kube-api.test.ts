import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agent, call } from '../lib/client.js';
import { ORIGINAL_REPLICAS, OPT_OUT } from '@goscale/hibernate';
import { collectionPath, makeWorkloads, startKubeApi, type Workload } from './kube-api.js';

after(() => agent.destroy());

describe('makeWorkloads', () => {
  it('builds the same cluster for the same seed, with every shape the check must handle', () => {
    const all = makeWorkloads(42, 150);
    assert.deepEqual(makeWorkloads(42, 150), all);
    assert.equal(all.length, 150);
    assert.ok(all.some((w) => w.metadata.ownerReferences?.length));
    assert.ok(all.some((w) => w.spec.replicas === 0 && w.metadata.annotations[ORIGINAL_REPLICAS]));
    assert.ok(all.some((w) => w.spec.replicas === undefined));
    assert.ok(all.some((w) => w.metadata.annotations[OPT_OUT] === 'false'));
    assert.deepEqual(
      new Set(all.map((w) => w.kind)),
      new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout']),
    );
  });
});

describe('Kubernetes-style API', () => {
  it('lists a kind in a namespace and reads one object, shaped like the real API', async () => {
    const api = await startKubeApi({ seed: 42, workloads: 20, medianMs: 1 });
    try {
      const w = api.workloads.find((x) => x.kind === 'Rollout')!;
      const path = collectionPath('Rollout', w.metadata.namespace);
      assert.match(path, /^\/apis\/argoproj.io\/v1alpha1\/namespaces\/\w+\/rollouts$/);
      const list = await call<{ kind: string; apiVersion: string; items: Workload[] }>(`${api.url}${path}`);
      assert.equal(list.status, 200);
      assert.equal(list.body?.kind, 'RolloutList');
      assert.equal(list.body?.apiVersion, 'argoproj.io/v1alpha1');
      assert.ok(list.body?.items.some((x) => x.metadata.name === w.metadata.name));
      const one = await call<Workload>(`${api.url}${path}/${w.metadata.name}`);
      assert.deepEqual(one.body, w);
      assert.equal((await call(`${api.url}${path}/missing`)).status, 404);
    } finally {
      await api.close();
    }
  });

  it('serves discovery and lists across namespaces page by page, as `limit`/`continue` ask', async () => {
    const api = await startKubeApi({ seed: 42, workloads: 40, medianMs: 1 });
    try {
      const groups = await call<{ groups: Array<{ versions: Array<{ groupVersion: string }> }> }>(
        `${api.url}/apis`,
      );
      assert.deepEqual(
        groups.body?.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)),
        ['apps/v1', 'argoproj.io/v1alpha1'],
      );
      const deployments = api.workloads.filter((w) => w.kind === 'Deployment');
      const want = deployments.map((w) => `${w.metadata.namespace}/${w.metadata.name}`).sort();
      const got: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const q = `limit=3${token === undefined ? '' : `&continue=${token}`}`;
        const page = await call<{ items: Workload[]; metadata: { continue?: string } }>(
          `${api.url}/apis/apps/v1/deployments?${q}`,
        );
        assert.equal(page.status, 200);
        assert.ok(page.body!.items.length <= 3);
        got.push(...page.body!.items.map((w) => `${w.metadata.namespace}/${w.metadata.name}`));
        token = page.body!.metadata.continue;
        pages++;
      } while (token !== undefined);
      assert.deepEqual(got, want);
      assert.equal(pages, Math.ceil(deployments.length / 3));
      assert.equal((await call(`${api.url}/apis/apps/v1/deployments?limit=-1`)).status, 400);
      assert.equal((await call(`${api.url}/apis/apps/v1/namespaces/payments/rollouts`)).status, 404);
    } finally {
      await api.close();
    }
  });

  it('admits `burst` requests at once, answers 429 with Retry-After beyond, and refills at `qps`', async () => {
    let now = 0;
    const api = await startKubeApi({
      seed: 42,
      workloads: 5,
      medianMs: 1,
      qps: 10,
      burst: 3,
      now: () => now,
    });
    try {
      const url = `${api.url}${collectionPath('Deployment', 'payments')}`;
      const first = await Promise.all(Array.from({ length: 5 }, () => call(url)));
      assert.deepEqual(first.map((r) => r.status).sort(), [200, 200, 200, 429, 429]);
      const throttled = first.find((r) => r.status === 429)!;
      assert.equal(throttled.headers['retry-after'], '1');
      assert.equal(throttled.headers['x-retry-after-ms'], '100.0');
      now += 100; // one token at 10 per second
      assert.equal((await call(url)).status, 200);
      assert.equal((await call(url)).status, 429);
      assert.deepEqual({ ...api.stats(), peakInFlight: 0 }, { requests: 7, throttled: 3, peakInFlight: 0 });
    } finally {
      await api.close();
    }
  });
});
