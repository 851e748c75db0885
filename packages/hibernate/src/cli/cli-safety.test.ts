import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Report } from '../run/types.js';
import { ORIGINAL_REPLICAS, OPT_OUT } from '../workload/object.js';
import { runCli } from '../testing/cli.js';
import { workload } from '../testing/fixtures.js';
import { startKubeServer, type KubeServerOptions } from '../testing/kube-server.js';

async function withApi<T>(
  opts: KubeServerOptions,
  fn: (api: Awaited<ReturnType<typeof startKubeServer>>) => Promise<T>,
): Promise<T> {
  const api = await startKubeServer(opts);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

const item = (r: Report, name: string) => r.items.find((i) => i.name === name)!;

function hpa(name: string, target: string, minReplicas?: number) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas,
      maxReplicas: 10,
    },
  };
}

describe('goscale-hibernate with autoscalers', () => {
  it('hibernates under an HPA with minReplicas >= 1, leaves HPA minReplicas 0 and KEDA-scaled workloads alone', async () => {
    const objects = [
      workload('Deployment', 'shop', 'api', { spec: { replicas: 4 } }),
      workload('Deployment', 'shop', 'worker', { spec: { replicas: 2 } }),
      workload('Deployment', 'shop', 'consumer', { spec: { replicas: 3 } }),
      hpa('api', 'api', 2),
      hpa('worker', 'worker', 0),
      hpa('keda-hpa-consumer', 'consumer', 1),
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'consumer', namespace: 'shop' },
        spec: { scaleTargetRef: { name: 'consumer' } },
      },
    ];
    await withApi({ objects, keda: true, rollouts: false }, async (api) => {
      const r = await runCli(['hibernate', '-n', 'shop', '-o', 'json', '--kubeconfig', api.kubeconfig]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.deepEqual(report.summary.notServed, ['Rollout']);
      assert.equal(item(report, 'api').action, 'hibernated');
      assert.equal(api.get('Deployment', 'shop', 'api')!.spec.replicas, 0);
      assert.match(item(report, 'worker').reason, /HPA worker has minReplicas 0/);
      assert.equal(api.get('Deployment', 'shop', 'worker')!.spec.replicas, 2);
      assert.match(item(report, 'consumer').reason, /KEDA ScaledObject consumer/);
      assert.equal(api.get('Deployment', 'shop', 'consumer')!.spec.replicas, 3);
      // The HPAs themselves are never patched.
      assert.equal(api.stats.patchStatus[200], 1);
    });
  });
});

describe('goscale-hibernate when objects change under it', () => {
  it('re-reads an object changed between the list and the patch and hibernates what it finds', async () => {
    const objects = [
      workload('Deployment', 'shop', 'scaled', { spec: { replicas: 2 } }),
      workload('Deployment', 'shop', 'opted', { spec: { replicas: 2 } }),
      workload('Deployment', 'shop', 'gone', { spec: { replicas: 2 } }),
    ];
    await withApi({ objects, rollouts: false }, async (api) => {
      const touched = new Set<string>();
      api.beforePatch = (o) => {
        if (touched.has(o.metadata.name)) return;
        touched.add(o.metadata.name);
        // Someone else writes first: scales one up, opts one out, deletes... the third is scaled to 0 by hand.
        if (o.metadata.name === 'scaled')
          api.update('Deployment', 'shop', 'scaled', (x) => (x.spec.replicas = 7));
        if (o.metadata.name === 'opted')
          api.update('Deployment', 'shop', 'opted', (x) => (x.metadata.annotations[OPT_OUT] = 'false'));
        if (o.metadata.name === 'gone')
          api.update('Deployment', 'shop', 'gone', (x) => (x.spec.replicas = 0));
      };
      const r = await runCli(['hibernate', '-n', 'shop', '-o', 'json', '--kubeconfig', api.kubeconfig]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(api.stats.patchStatus[422], 3, 'each first patch should have failed its test');
      assert.equal(item(report, 'scaled').action, 'hibernated');
      assert.equal(api.get('Deployment', 'shop', 'scaled')!.metadata.annotations[ORIGINAL_REPLICAS], '7');
      assert.equal(item(report, 'opted').action, 'skipped');
      assert.equal(api.get('Deployment', 'shop', 'opted')!.spec.replicas, 2);
      assert.equal(item(report, 'gone').action, 'skipped');
      assert.equal(api.get('Deployment', 'shop', 'gone')!.metadata.annotations[ORIGINAL_REPLICAS], undefined);
    });
  });

  it('restore reports and leaves alone a workload whose replicas someone changed since hibernation', async () => {
    const objects = [
      workload('Deployment', 'shop', 'woken', {
        spec: { replicas: 5 },
        metadata: { annotations: { [ORIGINAL_REPLICAS]: '2' } },
      }),
      workload('Deployment', 'shop', 'asleep', {
        spec: { replicas: 0 },
        metadata: { annotations: { [ORIGINAL_REPLICAS]: '2' } },
      }),
    ];
    await withApi({ objects, rollouts: false }, async (api) => {
      const r = await runCli(['restore', '-n', 'shop', '-o', 'json', '--kubeconfig', api.kubeconfig]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(item(report, 'woken').action, 'skipped');
      assert.match(
        item(report, 'woken').reason,
        /replicas changed to 5 since hibernation \(original 2\): left alone/,
      );
      assert.equal(api.get('Deployment', 'shop', 'woken')!.spec.replicas, 5);
      assert.equal(item(report, 'asleep').action, 'restored');
      assert.equal(api.get('Deployment', 'shop', 'asleep')!.spec.replicas, 2);
    });
  });

  it('gives up after a bounded number of attempts and exits 1 naming the object and the API message', async () => {
    await withApi(
      { objects: [workload('Deployment', 'shop', 'busy', { spec: { replicas: 2 } })], rollouts: false },
      async (api) => {
        let n = 2;
        api.beforePatch = () => api.update('Deployment', 'shop', 'busy', (x) => (x.spec.replicas = ++n));
        const r = await runCli(['hibernate', '-n', 'shop', '--kubeconfig', api.kubeconfig]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /Deployment shop\/busy failed: gave up after 5 attempts.*HTTP 422: .*test operation failed/,
        );
        assert.equal(api.stats.patchStatus[422], 5);
      },
    );
  });
});

describe('goscale-hibernate and 429', () => {
  it('waits out every 429 for its Retry-After and finishes', async () => {
    const objects = Array.from({ length: 40 }, (_, i) => workload('Deployment', 'shop', `web-${i}`));
    await withApi({ objects, rollouts: false, qps: 40, burst: 4, retryAfterSeconds: 0.1 }, async (api) => {
      const r = await runCli([
        'hibernate',
        '-n',
        'shop',
        '-o',
        'json',
        '--qps',
        '1000',
        '--burst',
        '100',
        '--concurrency',
        '20',
        '--kubeconfig',
        api.kubeconfig,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.summary.actions!.hibernated, 40);
      assert.ok(api.stats.throttled > 0, 'the server throttled nothing: the test shows nothing');
      assert.equal(report.summary.retries429, api.stats.throttled);
    });
  });
});
