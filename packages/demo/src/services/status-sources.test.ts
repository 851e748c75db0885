import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { agent, call } from '../lib/client.js';
import { SOURCE_MEDIANS, startStatusSources } from './status-sources.js';

after(() => agent.destroy());

describe('status sources', () => {
  it('answers every source with its own seeded latency around its median', async () => {
    const src = await startStatusSources({ seed: 5, scale: 0.2 });
    try {
      for (const name of Object.keys(SOURCE_MEDIANS) as Array<keyof typeof SOURCE_MEDIANS>) {
        const reply = await call<{ source: string; latencyMs: number }>(`${src.url}/status/${name}`);
        assert.equal(reply.status, 200);
        assert.equal(reply.body?.source, name);
        assert.equal(reply.body?.latencyMs, Math.round(src.latencyMs(name, 0)));
        const ratio = src.latencyMs(name, 0) / (SOURCE_MEDIANS[name] * 0.2);
        assert.ok(ratio > 0.6 && ratio < 1.6, `${name}: ratio to median = ${ratio}`);
      }
      assert.equal((await call(`${src.url}/status/nope`)).status, 404);
    } finally {
      await src.close();
    }
  });

  it('holds a hanging source request open until the client gives up, then lets it go', async () => {
    const src = await startStatusSources({ seed: 5, scale: 0.2 });
    try {
      src.setHang('ci', true);
      const controller = new AbortController();
      const pending = call(`${src.url}/status/ci`, { signal: controller.signal });
      while (src.hanging === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(src.hanging, 1);
      controller.abort(new Error('gave up'));
      await assert.rejects(pending, /gave up/);
      while (src.hanging > 0) await new Promise((resolve) => setImmediate(resolve));
      src.setHang('ci', false);
      assert.equal((await call(`${src.url}/status/ci`)).status, 200);
    } finally {
      await src.close();
    }
  });
});
