import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { hibernatePlan } from '../patch/plan.js';
import type { Report } from '../run/types.js';
import { judge } from '../verdict/verdict.js';
import type { Workload } from '../workload/object.js';
import { startCli } from '../testing/cli.js';
import { makeCluster, rng } from '../testing/fixtures.js';
import { startKubeServer, type KubeServer } from '../testing/kube-server.js';

const EXCLUDED = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

function userView(o: Workload): unknown {
  const { resourceVersion: _r, generation: _g, ...metadata } = o.metadata;
  return { ...o, metadata };
}

const key = (o: {
  kind: string;
  namespace?: string;
  name?: string;
  metadata?: Workload['metadata'];
}): string => `${o.kind}/${o.namespace ?? o.metadata!.namespace}/${o.name ?? o.metadata!.name}`;

describe('SIGINT during hibernate', () => {
  let api: KubeServer;
  let originals: Map<string, Workload>;
  let asleep: Map<string, unknown>;
  before(async () => {
    // Each patch takes 5 ms on the server, so a run of ~150 patches at 8 at once leaves room to interrupt it.
    api = await startKubeServer({ objects: makeCluster(11, 400), latencyMs: 5 });
    originals = new Map(api.all().map((o) => [key(o as Workload), structuredClone(o) as Workload]));
    // What each hibernatable object looks like completely hibernated (the same patch applied locally).
    asleep = new Map();
    for (const [k, w] of originals) {
      if (judge(w, { excludedNamespaces: EXCLUDED }).verdict !== 'hibernatable') continue;
      const plan = hibernatePlan(w);
      assert.ok(plan.ok);
      const doc = jsonpatch.applyPatch(
        structuredClone(w),
        plan.ops as jsonpatch.Operation[],
        true,
        false,
      ).newDocument;
      asleep.set(k, userView(doc));
    }
  });
  after(() => api.close());

  it('leaves every object untouched or completely hibernated, exits 130, and a second run finishes the job', async () => {
    const next = rng(2026);
    const hibernatable = asleep.size;
    let stoppedAt = 0;
    for (let round = 0; round < 3; round++) {
      const already = [...asleep.keys()].filter((k) => {
        const [kind, ns, name] = k.split('/') as [string, string, string];
        return (
          JSON.stringify(userView(api.get(kind, ns, name) as Workload)) === JSON.stringify(asleep.get(k))
        );
      }).length;
      const left = hibernatable - already;
      if (left < 10) break;
      // A random point in what is left of the run.
      const at = 1 + Math.floor(next() * (left - 5));
      let seen = 0;
      const { child, done } = startCli([
        'hibernate',
        '-A',
        '-o',
        'json',
        '--qps',
        '400',
        '--burst',
        '8',
        '--concurrency',
        '8',
        '--kubeconfig',
        api.kubeconfig,
      ]);
      api.afterPatch = (_o, status) => {
        if (status === 200 && ++seen === at) child.kill('SIGINT');
      };
      const r = await done;
      api.afterPatch = undefined;
      assert.equal(
        r.code,
        130,
        `round ${round}, SIGINT after patch ${at}: exit = ${r.code}; want 130\n${r.stderr}`,
      );
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.summary.interrupted, true);
      const changed = new Set<string>();
      for (const o of api.all()) {
        const k = key(o as Workload);
        const now = JSON.stringify(userView(o as Workload));
        if (now === JSON.stringify(userView(originals.get(k)!))) continue;
        assert.equal(now, JSON.stringify(asleep.get(k)), `${k} is half-changed after SIGINT at patch ${at}`);
        changed.add(k);
      }
      // It printed what it did: exactly the objects the server has hibernated in this round.
      const reported = report.items.filter((i) => i.action === 'hibernated').map(key);
      assert.equal(
        reported.length,
        changed.size - already,
        `round ${round}: reported ${reported.length} hibernated, the server changed ${changed.size - already}`,
      );
      assert.ok(reported.every((k) => changed.has(k)));
      assert.ok(
        report.items.some((i) => i.action === 'skipped' && /interrupted/.test(i.reason)),
        'nothing was left for the next run',
      );
      assert.ok(
        reported.length >= at,
        `only ${reported.length} hibernated before a SIGINT sent after ${at} patches`,
      );
      stoppedAt = changed.size;
    }
    assert.ok(stoppedAt > 0);
    const { done } = startCli([
      'hibernate',
      '-A',
      '-o',
      'json',
      '--qps',
      '1000',
      '--burst',
      '50',
      '--kubeconfig',
      api.kubeconfig,
    ]);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.summary.actions!.hibernated, hibernatable - stoppedAt);
    for (const [k, view] of asleep) {
      const [kind, ns, name] = k.split('/') as [string, string, string];
      assert.deepEqual(
        userView(api.get(kind, ns, name) as Workload),
        view,
        `${k} not hibernated after the second run`,
      );
    }
  });
});
