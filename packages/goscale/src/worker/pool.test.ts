import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Piscina } from 'piscina';
import { WorkerPool } from './index.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);
const piscinaFile = new URL('./testing/piscina-worker.cjs', import.meta.url);

describe('WorkerPool: what crosses the thread boundary', () => {
  const pool = new WorkerPool(tasks, { threads: 2 });
  after(() => pool.close());

  it('runs the default export, or the export named per call, with the argument cloned', async () => {
    assert.equal(await pool.run('x'), 'x');
    assert.equal(await pool.run({ a: 2, b: 3 }, { name: 'add' }), 5);
    const value = {
      when: new Date(0),
      tags: new Set(['a']),
      map: new Map([[1, [2n]]]),
      nested: { deep: [1, 2] },
    };
    assert.deepEqual(await pool.run(value), value);
  });

  it('lets a task await timers: the thread keeps its own event loop', async () => {
    assert.deepEqual(await Promise.all([pool.run(5, { name: 'later' }), pool.run(1, { name: 'later' })]), [
      'after 5',
      'after 1',
    ]);
  });

  it('returns 20,000 results in call order', async () => {
    const n = 20_000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i)));
    assert.deepEqual(
      results,
      Array.from({ length: n }, (_, i) => i),
    );
  });

  it('transfers the buffers in `transfer` instead of copying them', async () => {
    const buffer = new Uint8Array([9, 8, 7]).buffer;
    assert.deepEqual(await pool.run(buffer, { name: 'inspect', transfer: [buffer] }), [3, 9]);
    assert.equal(buffer.byteLength, 0, 'the sender’s buffer is detached');
  });

  it('moves a result wrapped in move() back without a copy', async () => {
    const result = await pool.run<Uint8Array>(4, { name: 'filled' });
    assert.ok(result instanceof Uint8Array);
    assert.deepEqual([...result], [7, 7, 7, 7]);
  });

  it('rejects with the same built-in class, message, fields and the worker’s stack', async () => {
    const error = await pool.run('type', { name: 'fail' }).catch((e: unknown) => e);
    assert.ok(error instanceof TypeError, `got ${String(error)}`);
    assert.equal(error.message, 'bad input');
    assert.equal((error as TypeError & { code: string }).code, 'E_BAD');
    assert.match(error.stack ?? '', /at fail \(.*testing\/tasks\.ts/);
  });

  it('keeps the name and fields of a user class, a cause chain and an AggregateError’s errors', async () => {
    const custom = (await pool.run('custom', { name: 'fail' }).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    assert.ok(custom instanceof Error);
    assert.equal(custom.name, 'QuotaError');
    assert.equal(custom.code, 'E_QUOTA');
    assert.match(custom.stack ?? '', /QuotaError: over quota/);
    const caused = (await pool.run('cause', { name: 'fail' }).catch((e: unknown) => e)) as Error;
    assert.ok(caused.cause instanceof RangeError);
    assert.equal(caused.cause.message, 'inner');
    const aggregate = (await pool
      .run('aggregate', { name: 'fail' })
      .catch((e: unknown) => e)) as AggregateError;
    assert.ok(aggregate instanceof AggregateError);
    assert.deepEqual(
      aggregate.errors.map((e: Error) => [e.constructor.name, e.message]),
      [
        ['Error', 'a'],
        ['TypeError', 'b'],
      ],
    );
    await assert.rejects(
      pool.run('x', { name: 'failLater' }),
      (e) => e instanceof SyntaxError && e.message === 'x',
    );
  });

  it('rejects with a thrown non-Error value as it was thrown', async () => {
    await assert.rejects(pool.run('value', { name: 'fail' }), (e) => {
      assert.deepEqual(e, { reason: 'not an error' });
      return true;
    });
  });

  it('fails only the task whose argument or result cannot be cloned', async () => {
    const results = await Promise.allSettled([
      pool.run(1),
      pool.run(() => 1),
      pool.run(undefined, { name: 'unclonable' }),
      pool.run(2),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    for (const r of results)
      if (r.status === 'rejected') assert.equal((r.reason as Error).name, 'DataCloneError');
  });

  it('rejects a missing export with a TypeError naming it', async () => {
    await assert.rejects(
      pool.run(1, { name: 'nope' }),
      /TypeError: worker: .*tasks\.ts has no function export `nope`/,
    );
  });
});

describe('WorkerPool: piscina worker files', () => {
  it('runs a file written for piscina unchanged, with the same results as piscina', async () => {
    const piscina = new Piscina({ filename: piscinaFile.href, minThreads: 1, maxThreads: 1 });
    await using pool = new WorkerPool(piscinaFile, { threads: 1 });
    try {
      for (const [arg, name] of [
        [{ a: 1, b: 2 }, undefined],
        [7, 'square'],
      ] as const) {
        assert.deepEqual(await pool.run(arg, { name }), await piscina.run(arg, { name }));
      }
      const moved = await pool.run<Uint8Array>(3, { name: 'buffer' });
      assert.deepEqual([...moved], [3, 3, 3]);
    } finally {
      await piscina.close();
    }
  });
});

describe('WorkerPool: bad input', () => {
  it('throws naming the bad option', () => {
    assert.throws(
      () => new WorkerPool(tasks, { threads: 0 }),
      /RangeError: WorkerPool: expected `threads` .* got `0`/,
    );
    assert.throws(
      () => new WorkerPool(tasks, { maxQueue: -1 }),
      /RangeError: WorkerPool: expected `maxQueue`/,
    );
    assert.throws(
      () => new WorkerPool('relative.js'),
      /TypeError: WorkerPool: expected `moduleUrl` .*"relative.js"/,
    );
    assert.throws(() => new WorkerPool(42 as never), /TypeError: WorkerPool: expected `moduleUrl`/);
  });

  it('rejects run() with a bad option, and after close()', async () => {
    const pool = new WorkerPool(tasks, { threads: 1 });
    await assert.rejects(
      pool.run(1, { signal: 'x' as never }),
      /TypeError: WorkerPool.run: expected `signal`/,
    );
    await assert.rejects(pool.run(1, { name: 3 as never }), /TypeError: WorkerPool.run: expected `name`/);
    await pool.close();
    await assert.rejects(pool.run(1), /TypeError: WorkerPool.run: the pool is closed/);
  });
});
