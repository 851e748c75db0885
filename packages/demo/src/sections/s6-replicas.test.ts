import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { agent } from '../lib/client.js';
import { REDIS_HINT, redisMissing } from '../services/redis-server.js';
import { SECTIONS, runSection, type SectionResult } from './index.js';
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
    let result: SectionResult | undefined;
    let m: ReplicasMeasurements;
    let left: string[] = [];
    before(async () => {
      result = await runSection(6, { seed: 42, quick: true });
      // A process that has exited releases its handle in libuv's close phase, which a timer comes after.
      await new Promise((resolve) => setTimeout(resolve, 0));
      left = process.getActiveResourcesInfo();
      m = JSON.parse(JSON.stringify(result.measurements)) as ReplicasMeasurements;
    });

    it('prints exactly the tables and conclusions its numbers give', () => {
      assert.equal(result!.title, SECTIONS[6]!.title);
      assert.deepEqual(result!.conclusions, replicasConclusions(m));
      assert.deepEqual(result!.tables, replicasTables(m));
      assert.equal(result!.timelines.length, 3);
    });

    it('leaves nothing running: no child process (replicas, redis-server), no server, no timer', () => {
      assert.deepEqual(
        left.filter((r) => /Process|Server|Timeout/.test(r)),
        [],
      );
    });

    it('per-process Limiters overrun the quota; one RedisLimiter holds it', () => {
      const [local, shared] = m.limiters;
      // Every call the replicas counted reached the API, and each is one bar of its strategy's timeline.
      for (const [i, s] of m.limiters.entries()) {
        assert.equal(s.accepted + s.rejected, s.sent, s.name);
        assert.equal(s.perReplica.length, m.replicas);
        assert.equal(result!.timelines[i]!.bars.length, s.sent);
      }
      // Before: every replica took the whole quota for itself, so the API refused what went past it.
      assert.ok(local!.rejected > 0);
      assert.ok(local!.sent > 2 * shared!.sent, `${local!.sent} vs ${shared!.sent}`);
      // The API's own bucket: never more accepted than a full bucket plus the rate over the calls' span.
      assert.ok(local!.accepted <= quotaAllows(m, local!), `${local!.accepted} > ${quotaAllows(m, local!)}`);
      // After: the bucket is global, so never more than the quota allows, and next to no 429s.
      assert.ok(shared!.sent <= quotaAllows(m, shared!), `${shared!.sent} > ${quotaAllows(m, shared!)}`);
      assert.ok(shared!.rejected * 100 <= shared!.sent, `${shared!.rejected} 429s of ${shared!.sent}`);
      assert.ok(shared!.redisRoundTrips >= shared!.sent);
    });

    it('an event published on one replica reaches all three; a killed replica’s clients miss nothing', () => {
      const b = m.broadcast;
      const all = b.clientsPerReplica * b.replicas.length;
      assert.equal(b.streamEntries, 3 * b.batch);
      assert.equal(b.receivedFirstBatch, all);
      const [stayed, moved] = b.groups;
      assert.equal(stayed.clients + moved.clients, all);
      assert.equal(moved.clients, b.clientsPerReplica);
      // Each came back once, through the balancer, to a replica still up, carrying its last id.
      assert.equal(b.moved.reconnected, moved.clients);
      assert.equal(b.moved.withLastEventId, moved.clients);
      assert.deepEqual(Object.keys(b.moved.to), b.replicas.slice(0, -1));
      assert.equal(
        Object.values(b.moved.to).reduce((x, y) => x + y, 0),
        moved.clients,
      );
      for (const g of b.groups) {
        assert.deepEqual([g.missed, g.duplicated, g.outOfOrder, g.resets], [0, 0, 0, 0], g.name);
      }
      // One bar per connection: every client's first, and the killed replica's clients' second.
      const bars = result!.timelines[2]!.bars;
      assert.equal(bars.length, all + moved.clients);
      assert.equal(bars.filter((bar) => bar.outcome === 'cut').length, moved.clients);
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

  it('rejects a REDIS_URL that is not a redis:// URL, quoting it', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'localhost:6379';
    try {
      await assert.rejects(runSection(6, { seed: 42, quick: true }), {
        name: 'TypeError',
        message: 'demo: expected REDIS_URL to be redis://host:port, got `localhost:6379`',
      });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
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
