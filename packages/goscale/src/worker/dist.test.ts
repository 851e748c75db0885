import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const dist = fileURLToPath(new URL('../../dist/worker/internal/entry.js', import.meta.url));
const main = fileURLToPath(new URL('./testing/dist-main.mjs', import.meta.url));

describe('goscale/worker from the built package', () => {
  it('runs tasks, aborts a spinning one, and lets the process exit without close()', async () => {
    // npm ci builds dist (goscale's prepare), so a missing one is a broken install, not a reason to skip.
    assert.ok(existsSync(dist), `${dist} is missing: run \`npm run build -w goscale\``);
    // A plain node: no tsx and no `source` condition, so `goscale/worker` resolves to dist as for a user.
    const { stdout } = await promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.match(String(out.entry), /\/dist\/worker\/index\.js$/);
    assert.deepEqual(out.echo, [1, 2, 3]);
    assert.deepEqual(out.filled, [5, 5, 5]);
    assert.equal(out.error, 'TypeError: bad');
    assert.equal(out.aborted, 'stop');
    assert.equal(out.after, 'after');
  });
});
