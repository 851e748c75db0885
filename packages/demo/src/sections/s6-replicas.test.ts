import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { agent } from '../lib/client.js';
import { REDIS_HINT, redisMissing } from '../services/redis-server.js';
import { SECTIONS, runSection } from './index.js';
import {
  quotaAllows,
  replicasConclusions,
  replicasTables,
  type ReplicasMeasurements,
} from './s6-conclusions.js';

after(() => agent.destroy());

/** Undefined when the section can run; else the one line saying how. Under CI a missing Redis fails instead. */
const needsRedis = ((): string | undefined => {
  const missing = redisMissing();
  if (missing !== undefined && process.env.CI === 'true') {
    throw new Error(`section 6 ${missing} (CI=true: failing instead of skipping)`);
  }
  return missing === undefined ? undefined : `section 6 ${missing}`;
})();

describe(
  'section 6 --quick, against a real redis-server and three replica processes',
  { skip: needsRedis },
  () => {
    it('per-process Limiters overrun the quota; one RedisLimiter holds it', async () => {
      const r = await runSection(6, { seed: 42, quick: true });
      assert.equal(r.title, SECTIONS[6]!.title);
      const m = JSON.parse(JSON.stringify(r.measurements)) as ReplicasMeasurements;
      assert.deepEqual(r.conclusions, replicasConclusions(m));
      assert.deepEqual(r.tables, replicasTables(m));
      const [local, shared] = m.limiters;
      // Every call the replicas counted reached the API, and each is one bar of its strategy's timeline.
      for (const [i, s] of m.limiters.entries()) {
        assert.equal(s.accepted + s.rejected, s.sent, s.name);
        assert.equal(s.perReplica.length, m.replicas);
        assert.equal(r.timelines[i]!.bars.length, s.sent);
      }
      // Before: every replica took the whole quota for itself, so the API refused what went past it.
      assert.ok(local!.rejected > 0);
      assert.ok(local!.sent > 2 * shared!.sent, `${local!.sent} vs ${shared!.sent}`);
      assert.ok(local!.accepted <= quotaAllows(m));
      // After: the bucket is global, so never more than the quota allows, and next to no 429s.
      assert.ok(shared!.sent <= quotaAllows(m), `${shared!.sent} > ${quotaAllows(m)}`);
      assert.ok(shared!.rejected * 100 <= shared!.sent, `${shared!.rejected} 429s of ${shared!.sent}`);
      assert.ok(shared!.redisRoundTrips >= shared!.sent);
    });
  },
);

describe('section 6 without Redis', () => {
  const noRedis: NodeJS.ProcessEnv = { ...process.env, REDIS_SERVER: '/nonexistent/redis-server', CI: '' };
  delete noRedis.REDIS_URL;

  it('says in one line how to enable it, and the demo goes on (exit 0)', async () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--conditions=source', '--import', import.meta.resolve('tsx'), main, '--section', '6', '--quick'],
        { timeout: 30_000, env: noRedis },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    const lines = stdout.split('\n').filter((l) => l.includes('Many replicas'));
    assert.deepEqual(lines, [`6. Many replicas: skipped, ${REDIS_HINT}`]);
    assert.match(REDIS_HINT, /apt-get install redis-server/);
    assert.match(stdout, /0 of 0 conclusions/);
  });

  it('rejects runSection(6) with the same line', async () => {
    const saved = { url: process.env.REDIS_URL, bin: process.env.REDIS_SERVER };
    delete process.env.REDIS_URL;
    process.env.REDIS_SERVER = noRedis.REDIS_SERVER;
    try {
      await assert.rejects(runSection(6, { seed: 42, quick: true }), {
        message: `6. Many replicas: ${REDIS_HINT}`,
      });
    } finally {
      if (saved.url === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved.url;
      if (saved.bin === undefined) delete process.env.REDIS_SERVER;
      else process.env.REDIS_SERVER = saved.bin;
    }
  });
});
