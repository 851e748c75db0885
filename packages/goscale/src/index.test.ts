import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as root from './index.js';

// The names the issues promise users (and their acceptance tests) at the package root, by capability subpath.
const promised: Record<string, string[]> = {
  context: ['withCancel', 'withTimeout', 'sleep'],
  sync: ['WaitGroup', 'Mutex', 'RWMutex', 'Semaphore', 'Once', 'SingleFlight'],
  chan: ['Channel', 'ChannelClosedError', 'select', 'trySelect', 'recvOn', 'sendOn'],
  group: ['Group', 'merge', 'fanOut'],
  pool: ['map', 'forEach', 'stream', 'batch', 'limit', 'limitFunction'],
  adaptive: ['adaptive', 'AdaptiveLimit', 'gradient2', 'aimd', 'vegas', 'isOverloadError'],
  rate: ['Limiter'],
  http: ['requestSignal', 'Broker', 'gracefulShutdown', 'MemoryBus'],
  worker: ['WorkerPool', 'move'],
};

describe('package entry', () => {
  for (const [capability, names] of Object.entries(promised)) {
    it(`exports the ${capability} API from the root and from goscale/${capability}`, async () => {
      const sub = (await import(`./${capability}/index.js`)) as Record<string, unknown>;
      for (const name of names) {
        assert.equal(typeof (root as Record<string, unknown>)[name], 'function', `root export ${name}`);
        assert.equal(
          sub[name],
          (root as Record<string, unknown>)[name],
          `goscale/${capability} export ${name}`,
        );
      }
    });
  }

  it('exports the BrokerBus conformance suite from goscale/http/testing, and only there', async () => {
    const testing = (await import('./http/sse/bus-conformance.js')) as Record<string, unknown>;
    assert.equal(typeof testing.testBrokerBus, 'function');
    assert.equal('testBrokerBus' in root, false);
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as {
      exports: Record<string, { source: string }>;
    };
    assert.equal(pkg.exports['./http/testing']?.source, './src/http/sse/bus-conformance.ts');
  });

  it('exports nothing from the internal folder', () => {
    const exported = new Set(Object.keys(root));
    for (const internal of [
      'List',
      'reasonOf',
      'checkInteger',
      'describe',
      'Thread',
      'unwrapMoved',
      'MOVE',
    ]) {
      assert.equal(exported.has(internal), false, `${internal} must stay internal`);
    }
  });
});
