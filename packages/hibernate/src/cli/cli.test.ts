import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../verdict/verdict.js';
import { AutoscalerIndex } from '../verdict/autoscalers.js';
import { ORIGINAL_REPLICAS, type Workload } from '../workload/object.js';
import type { Report } from '../run/types.js';
import { runCli } from '../testing/cli.js';
import { makeCluster } from '../testing/fixtures.js';
import { startKubeServer, type KubeServer } from '../testing/kube-server.js';

const EXCLUDED = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/** An object without the fields the server owns (resourceVersion, generation). */
function userView(o: Workload): unknown {
  const { resourceVersion: _r, generation: _g, ...metadata } = o.metadata;
  return { ...o, metadata };
}

function json(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe('goscale-hibernate usage', () => {
  it('exits 2 on a bad flag value, naming it, with nothing on stdout', async () => {
    const r = await runCli(['check', '--qps', '0']);
    assert.equal(r.code, 2, `exit = ${r.code}; want 2\n${r.stderr}`);
    assert.match(r.stderr, /--qps: expected a number above 0, got "0"/);
    assert.equal(r.stdout, '');
  });

  it('exits 2 when the kubeconfig cannot be read', async () => {
    const r = await runCli(['check', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(r.code, 2, `exit = ${r.code}; want 2\n${r.stderr}`);
    assert.match(r.stderr, /cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });
});

describe('goscale-hibernate against 1,000 workloads', () => {
  let api: KubeServer;
  let original: Map<string, unknown>;
  const key = (o: Workload): string => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
  before(async () => {
    api = await startKubeServer({ objects: makeCluster(7, 1000) });
    original = new Map(api.all().map((o) => [key(o as Workload), userView(o as Workload)]));
  });
  after(() => api.close());

  it('check -A -o json: one JSON document, every workload with the verdict judge() gives', async () => {
    const r = await runCli(['check', '-A', '-o', 'json', '--kubeconfig', api.kubeconfig]);
    assert.equal(r.code, 0, r.stderr);
    const report = json(r.stdout);
    assert.equal(report.items.length, 1000);
    const objects = new Map(api.all().map((o) => [key(o as Workload), o as Workload]));
    for (const item of report.items) {
      const w = objects.get(`${item.kind}/${item.namespace}/${item.name}`)!;
      assert.equal(
        item.verdict,
        judge(w, { excludedNamespaces: EXCLUDED, autoscalers: new AutoscalerIndex() }).verdict,
      );
    }
    assert.equal(report.summary.total, 1000);
    assert.equal(
      Object.values(report.summary.verdicts).reduce((a, b) => a + b, 0),
      1000,
    );
    assert.ok(report.summary.verdicts.hibernatable > 400 && report.summary.verdicts.owned > 50);
  });

  it('--dry-run prints the patches and changes nothing', async () => {
    api.resetStats();
    const r = await runCli([
      'hibernate',
      '-n',
      'shop',
      '--dry-run',
      '-o',
      'json',
      '--kubeconfig',
      api.kubeconfig,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = json(r.stdout);
    const would = report.items.filter((i) => i.action === 'hibernated');
    assert.ok(would.length > 50);
    assert.ok(would.every((i) => i.patch?.some((op) => op.op === 'test')));
    assert.equal(api.stats.patches, 0);
  });

  it('hibernate -A then restore -A is the identity on every object; the excluded namespace is never touched', async () => {
    const h = await runCli([
      'hibernate',
      '-A',
      '-o',
      'json',
      '--qps',
      '1000',
      '--burst',
      '100',
      '--concurrency',
      '32',
      '--kubeconfig',
      api.kubeconfig,
    ]);
    assert.equal(h.code, 0, h.stderr);
    const report = json(h.stdout);
    const hibernated = report.items.filter((i) => i.action === 'hibernated');
    assert.equal(hibernated.length, report.summary.verdicts.hibernatable);
    for (const i of hibernated) {
      const o = api.get(i.kind, i.namespace, i.name)!;
      if (i.kind === 'CronJob') assert.equal(o.spec.suspend, true);
      else {
        assert.equal(o.spec.replicas, 0);
        assert.equal(o.metadata.annotations[ORIGINAL_REPLICAS], String(i.originalReplicas));
      }
    }
    for (const o of api.all())
      if (o.metadata.namespace === 'kube-system')
        assert.deepEqual(userView(o as Workload), original.get(key(o as Workload)));
    const again = await runCli(['hibernate', '-A', '-o', 'json', '--kubeconfig', api.kubeconfig]);
    assert.equal(json(again.stdout).summary.actions!.hibernated, 0, 'a second hibernate found work left');

    const r = await runCli([
      'restore',
      '-A',
      '-o',
      'json',
      '--qps',
      '1000',
      '--burst',
      '100',
      '--concurrency',
      '32',
      '--kubeconfig',
      api.kubeconfig,
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The fixture's pre-hibernated objects carried our annotation before: restore wakes those too. Every other
    // object is back exactly as it was, every annotation, label and field.
    const woken = new Set(
      json(r.stdout)
        .items.filter((i) => i.action === 'restored')
        .map((i) => `${i.kind}/${i.namespace}/${i.name}`),
    );
    for (const o of api.all()) {
      const k = key(o as Workload);
      const before = original.get(k) as Workload;
      if (before.spec?.replicas === 0) {
        assert.ok(woken.has(k));
        assert.equal(o.spec.replicas, 3);
        continue;
      }
      assert.deepEqual(userView(o as Workload), before, `${k} differs after hibernate + restore`);
    }
  });
});
