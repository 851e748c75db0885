import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ORIGINAL_REPLICAS, ORIGINAL_SUSPEND, OPT_OUT, type Workload } from '../workload/object.js';
import { AutoscalerIndex } from './autoscalers.js';
import { judge, type Verdict } from './verdict.js';

function deploy(
  spec: Workload['spec'],
  meta: Partial<Workload['metadata']> = {},
  kind = 'Deployment',
): Workload {
  return { kind, metadata: { name: 'web', namespace: 'shop', ...meta }, spec };
}

const hpa = (name: string, minReplicas?: number) => ({
  metadata: { name, namespace: 'shop' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas },
});
const scaledObject = {
  metadata: { name: 'queue', namespace: 'shop' },
  spec: { scaleTargetRef: { name: 'web' } },
};

describe('judge', () => {
  const excludedNamespaces = new Set(['kube-system']);
  const cases: Array<{
    name: string;
    w: Workload;
    ctx?: Parameters<typeof judge>[1];
    want: Verdict;
    reason: RegExp;
  }> = [
    {
      name: 'a Deployment with replicas',
      w: deploy({ replicas: 3 }),
      want: 'hibernatable',
      reason: /^replicas 3$/,
    },
    {
      name: 'an excluded namespace, whatever else',
      w: deploy({ replicas: 3 }, { namespace: 'kube-system' }),
      ctx: { excludedNamespaces },
      want: 'excluded',
      reason: /namespace kube-system is excluded/,
    },
    {
      name: 'a ReplicaSet controlled by a Deployment',
      w: deploy(
        { replicas: 2 },
        { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }] },
        'ReplicaSet',
      ),
      want: 'owned',
      reason: /controlled by Deployment web/,
    },
    {
      name: 'a non-controller ownerReference does not make it owned',
      w: deploy({ replicas: 2 }, { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }] }),
      want: 'hibernatable',
      reason: /replicas 2/,
    },
    { name: 'no spec.replicas', w: deploy({}), want: 'not-scalable', reason: /no spec.replicas/ },
    {
      name: 'a kind it does not know',
      w: deploy({ replicas: 1 }, {}, 'DaemonSet'),
      want: 'not-scalable',
      reason: /DaemonSet/,
    },
    {
      name: 'replicas 0 with our annotation',
      w: deploy({ replicas: 0 }, { annotations: { [ORIGINAL_REPLICAS]: '4' } }),
      want: 'hibernated',
      reason: /brings back 4/,
    },
    {
      name: 'replicas 0 without it',
      w: deploy({ replicas: 0 }),
      want: 'excluded',
      reason: /already at 0 replicas, not by/,
    },
    {
      name: 'woken by someone else since hibernation',
      w: deploy({ replicas: 2 }, { annotations: { [ORIGINAL_REPLICAS]: '4' } }),
      want: 'hibernatable',
      reason: /stale/,
    },
    {
      name: 'opted out',
      w: deploy({ replicas: 2 }, { annotations: { [OPT_OUT]: 'false' } }),
      want: 'excluded',
      reason: /goscale.dev\/hibernate: "false"/,
    },
    {
      name: 'an HPA with minReplicas 1 does not fight a hibernation',
      w: deploy({ replicas: 5 }),
      ctx: { autoscalers: new AutoscalerIndex([hpa('web-hpa')]) },
      want: 'hibernatable',
      reason: /HPA web-hpa pauses at 0 replicas/,
    },
    {
      name: 'an HPA with minReplicas 0 would scale it back up',
      w: deploy({ replicas: 5 }),
      ctx: { autoscalers: new AutoscalerIndex([hpa('web-hpa', 0)]) },
      want: 'excluded',
      reason: /minReplicas 0/,
    },
    {
      name: 'a KEDA ScaledObject drives it',
      w: deploy({ replicas: 5 }),
      ctx: { autoscalers: new AutoscalerIndex([hpa('keda-hpa-queue')], [scaledObject]) },
      want: 'excluded',
      reason: /KEDA ScaledObject queue/,
    },
    {
      name: 'a running CronJob',
      w: deploy({ suspend: false }, {}, 'CronJob'),
      want: 'hibernatable',
      reason: /not suspended/,
    },
    {
      name: 'a CronJob we suspended',
      w: deploy({ suspend: true }, { annotations: { [ORIGINAL_SUSPEND]: 'false' } }, 'CronJob'),
      want: 'hibernated',
      reason: /suspend back to false/,
    },
    {
      name: 'a CronJob someone else suspended',
      w: deploy({ suspend: true }, {}, 'CronJob'),
      want: 'excluded',
      reason: /already suspended/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.want}`, () => {
      const got = judge(c.w, c.ctx);
      assert.equal(got.verdict, c.want, `judge = ${got.verdict} (${got.reason}); want ${c.want}`);
      assert.match(got.reason, c.reason);
    });
  }

  it('reports the replicas it read and the original in the annotation', () => {
    assert.deepEqual(judge(deploy({ replicas: 0 }, { annotations: { [ORIGINAL_REPLICAS]: '4' } })), {
      verdict: 'hibernated',
      reason: 'replicas 0; restore brings back 4',
      replicas: 0,
      originalReplicas: 4,
    });
  });
});
