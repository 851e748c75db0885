import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concludeCpu1, cpuTable1, measureCpuBound, type CpuBound1 } from './s1-cpu-bound.js';

const cpu = (oneThreadMs: number, poolMs: number, threads = 2): CpuBound1 => ({
  jobs: 120,
  rounds: 3000,
  cores: threads,
  threads,
  oneThreadMs,
  poolMs,
});

describe('section 1, CPU-bound', () => {
  it('backs "CPU-bound: number of cores" only with a measured speed-up near the thread count', () => {
    assert.match(concludeCpu1(cpu(1000, 520)).text, /^Supported: .* 1\.9x faster on 2 threads than on 1/);
    assert.equal(concludeCpu1(cpu(1000, 520)).ok, true);
    assert.equal(concludeCpu1(cpu(1000, 900)).ok, false);
    assert.match(concludeCpu1(cpu(1000, 900)).text, /^Not supported by this run/);
    assert.equal(concludeCpu1(cpu(1000, 1000, 1)).ok, false, 'one core proves nothing');
    assert.deepEqual(cpuTable1(cpu(1000, 500)).rows[1], ['2', '500 ms', '2.0x']);
  });

  it('measures the same job on 1 thread and on every core', async () => {
    const m = await measureCpuBound(true);
    assert.equal(m.jobs, 24);
    assert.ok(m.oneThreadMs > 0 && m.poolMs > 0);
    assert.equal(m.threads, m.cores);
  });
});
