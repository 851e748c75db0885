/**
 * The installed command: `npx goscale-hibernate` from the repository root must find the bin npm linked on install.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const linked = `${root}node_modules/.bin/goscale-hibernate`;
const built = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('the goscale-hibernate bin', () => {
  it('is linked by npm at the repository root and runs the built CLI', async () => {
    assert.ok(existsSync(built), `${built} is missing: npm ci builds it (the root's prepare)`);
    assert.ok(existsSync(linked), `${linked} is missing: npm did not link the bin`);
    const { stdout } = await promisify(execFile)(linked, ['--help']);
    assert.match(stdout, /Usage: goscale-hibernate/);
  });
});
