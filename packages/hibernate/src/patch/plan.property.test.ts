import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { judge } from '../verdict/verdict.js';
import { ORIGINAL_REPLICAS, ORIGINAL_SUSPEND, type Workload } from '../workload/object.js';
import { hibernatePlan, restorePlan } from './plan.js';
import type { Operation } from './ops.js';

const OURS = new Set([ORIGINAL_REPLICAS, ORIGINAL_SUSPEND]);
const key = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => !OURS.has(k) && k !== 'goscale.dev/hibernate');
// Keys with '/' and '~' exercise the JSON Pointer escaping.
const annotationKey = fc.oneof(
  key,
  key.map((k) => `example.com/${k}`),
  key.map((k) => `a~b/${k}`),
);
const stringMap = fc.dictionary(annotationKey, fc.string({ maxLength: 10 }), {
  minKeys: 1,
  maxKeys: 5,
  noNullPrototype: true,
});

/** A workload as the API could return it: other annotations, labels and spec fields that must survive. */
const workload: fc.Arbitrary<Workload> = fc
  .record({
    kind: fc.constantFrom('Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout', 'CronJob'),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    namespace: fc.stringMatching(/^[a-z]{1,8}$/),
    resourceVersion: fc.nat().map(String),
    annotations: fc.option(stringMap, { nil: undefined }),
    labels: fc.option(stringMap, { nil: undefined }),
    replicas: fc.integer({ min: 1, max: 500 }),
    suspend: fc.constantFrom(false, undefined),
    // Through JSON and back, as the API's bodies are (JSON has no -0).
    extra: fc
      .dictionary(fc.constantFrom('template', 'selector', 'strategy', 'paused'), fc.jsonValue(), {
        noNullPrototype: true,
      })
      .map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>),
  })
  .map((r) => {
    const metadata: Workload['metadata'] = {
      name: r.name,
      namespace: r.namespace,
      resourceVersion: r.resourceVersion,
    };
    if (r.annotations !== undefined) metadata.annotations = r.annotations;
    if (r.labels !== undefined) metadata.labels = r.labels;
    const spec: Record<string, unknown> = { ...r.extra };
    if (r.kind === 'CronJob') {
      if (r.suspend !== undefined) spec.suspend = r.suspend;
    } else spec.replicas = r.replicas;
    return { apiVersion: 'apps/v1', kind: r.kind, metadata, spec, status: { observed: r.replicas } };
  });

function apply(doc: Workload, ops: Operation[]): Workload {
  return jsonpatch.applyPatch(structuredClone(doc), ops as jsonpatch.Operation[], true, false).newDocument;
}

function plan(p: ReturnType<typeof hibernatePlan>): Operation[] {
  assert.ok(p.ok, `expected a plan, got: ${p.ok ? '' : p.reason}`);
  return p.ops;
}

describe('hibernatePlan and restorePlan', () => {
  it('hibernate then restore is the identity on every generated workload', () => {
    fc.assert(
      fc.property(workload, (w) => {
        assert.equal(judge(w).verdict, 'hibernatable');
        const asleep = apply(w, plan(hibernatePlan(w)));
        assert.equal(judge(asleep).verdict, 'hibernated');
        const awake = apply(asleep, plan(restorePlan(asleep)));
        assert.deepEqual(awake, w);
      }),
      { numRuns: 500 },
    );
  });

  it('changes only spec.replicas or spec.suspend and the one annotation key', () => {
    fc.assert(
      fc.property(workload, (w) => {
        const asleep = apply(w, plan(hibernatePlan(w)));
        const key = w.kind === 'CronJob' ? ORIGINAL_SUSPEND : ORIGINAL_REPLICAS;
        const field = w.kind === 'CronJob' ? 'suspend' : 'replicas';
        const { [key]: added, ...others } = asleep.metadata.annotations ?? {};
        assert.equal(typeof added, 'string');
        assert.deepEqual(others, w.metadata.annotations ?? {});
        assert.deepEqual({ ...asleep.metadata, annotations: null }, { ...w.metadata, annotations: null });
        assert.deepEqual({ ...asleep.spec, [field]: null }, { ...w.spec, [field]: null });
        assert.deepEqual(asleep.status, w.status);
      }),
      { numRuns: 300 },
    );
  });

  it('a patch planned before someone else changed the replicas (or suspend) fails its test and changes nothing', () => {
    fc.assert(
      fc.property(workload, fc.integer({ min: 0, max: 1000 }), (w, newReplicas) => {
        const ops = plan(hibernatePlan(w));
        // Someone else writes between our read and our patch: new replicas/suspend and a new resourceVersion.
        const changed = structuredClone(w);
        changed.metadata.resourceVersion = `${w.metadata.resourceVersion}-next`;
        if (w.kind === 'CronJob') changed.spec!.suspend = true;
        else changed.spec!.replicas = newReplicas === w.spec!.replicas ? newReplicas + 1 : newReplicas;
        const before = structuredClone(changed);
        assert.throws(() => apply(changed, ops), { name: 'TEST_OPERATION_FAILED' });
        assert.deepEqual(changed, before);
      }),
      { numRuns: 300 },
    );
  });

  it('restore leaves alone a workload whose replicas someone changed after hibernation', () => {
    fc.assert(
      fc.property(
        workload.filter((w) => w.kind !== 'CronJob'),
        fc.integer({ min: 1, max: 9 }),
        (w, n) => {
          const asleep = apply(w, plan(hibernatePlan(w)));
          asleep.spec!.replicas = n;
          const p = restorePlan(asleep);
          assert.equal(p.ok, false);
          assert.match(p.reason, new RegExp(`replicas changed to ${n} since hibernation`));
        },
      ),
    );
  });
});

describe('annotation handling', () => {
  const base: Workload = {
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', resourceVersion: '7' },
    spec: { replicas: 3 },
  };

  it('adds one member to an existing map and never the whole map', () => {
    const ops = plan(hibernatePlan({ ...base, metadata: { ...base.metadata, annotations: { team: 'a' } } }));
    assert.deepEqual(ops, [
      { op: 'test', path: '/spec/replicas', value: 3 },
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/metadata/annotations/goscale.dev~1original-replicas', value: '3' },
      { op: 'replace', path: '/spec/replicas', value: 0 },
    ]);
  });

  it('creates a missing map behind the resourceVersion test, so a map created since is never replaced', () => {
    const ops = plan(hibernatePlan(base));
    assert.deepEqual(ops, [
      { op: 'test', path: '/spec/replicas', value: 3 },
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_REPLICAS]: '3' } },
      { op: 'replace', path: '/spec/replicas', value: 0 },
    ]);
    // A map created by someone else since the read makes the patch fail instead of erasing it.
    const raced = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: '8', annotations: { team: 'a' } },
    };
    assert.throws(() => apply(raced, ops), { name: 'TEST_OPERATION_FAILED' });
  });

  it('an empty map comes back absent, as the API server stores it', () => {
    const w = { ...base, metadata: { ...base.metadata, annotations: {} } };
    const awake = apply(
      apply(w, plan(hibernatePlan(w))),
      plan(restorePlan(apply(w, plan(hibernatePlan(w))))),
    );
    assert.equal(awake.metadata.annotations, undefined);
  });

  it('refuses to restore an annotation that is not a replica count', () => {
    for (const bad of ['', 'three', '-1', '1.5', '1e400']) {
      const w = {
        ...base,
        spec: { replicas: 0 },
        metadata: { ...base.metadata, annotations: { [ORIGINAL_REPLICAS]: bad } },
      };
      const p = restorePlan(w);
      assert.equal(p.ok, false, `restorePlan(${JSON.stringify(bad)}) = ok; want refused`);
      assert.equal(judge(w).verdict, 'not-scalable');
    }
  });
});
