import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Report } from '../run/types.js';
import { runCli } from './cli.js';

const SANDBOX = fileURLToPath(new URL('./sandbox.ts', import.meta.url));

describe('npm run sandbox (the quick start without a cluster)', () => {
  it('serves a generated cluster that the real CLI checks through the kubeconfig it prints, and stops on SIGINT', async () => {
    // Its own TMPDIR, so the fixed kubeconfig path cannot meet a sandbox someone else is running.
    const tmp = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', SANDBOX, '12', '7'], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      assert.equal(line, join(tmp, 'goscale-hibernate-sandbox', 'kubeconfig'));
      const r = await runCli(['check', '-A', '--kubeconfig', line, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.items.length, 12);
      assert.ok(report.summary.verdicts.hibernatable > 0);
      assert.ok(report.summary.verdicts.excluded > 0, 'kube-system is in the generated cluster');
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
