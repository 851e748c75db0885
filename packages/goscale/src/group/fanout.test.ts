import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { fanOut, type FanOutOptions, type FanOutResult, type FanOutSource } from './fanout.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const never = (): Promise<never> => new Promise<never>(() => {});

/** Runs `body` with mocked timers, always restoring the real ones. */
async function withMockTimers(body: () => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    await body();
  } finally {
    mock.timers.reset();
  }
}

describe('fanOut', () => {
  it('returns every result keyed like the input object, in input order, once all have settled', async () => {
    const boom = new Error('down');
    const results = await fanOut(
      {
        ci: async () => 'green',
        git: () => 'abc123',
        scan: async () => {
          throw boom;
        },
      },
      { timeout: 60_000 },
    );
    assert.deepEqual(results, {
      ci: { status: 'fulfilled', value: 'green' },
      git: { status: 'fulfilled', value: 'abc123' },
      scan: { status: 'rejected', reason: boom },
    });
    assert.deepEqual(Object.keys(results), ['ci', 'git', 'scan']);
  });

  it('returns an array for an array input', async () => {
    const results = await fanOut([async () => 1, async () => 'two'], { timeout: Infinity });
    assert.ok(Array.isArray(results));
    assert.deepEqual(results, [
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 'two' },
    ]);
  });

  it('resolves at once with nothing to call', async () => {
    assert.deepEqual(await fanOut({}, { timeout: 10 }), {});
    assert.deepEqual(await fanOut([], { timeout: 10 }), []);
  });

  it('resolves at the deadline with partial results and aborts the sources with a TimeoutError', () =>
    withMockTimers(async () => {
      let hungSignal: AbortSignal | undefined;
      let done = false;
      const pending = fanOut(
        {
          cd: async () => 'deployed',
          deploy: (signal) => {
            hungSignal = signal;
            return never();
          },
        },
        { timeout: 1_000 },
      ).then((r) => {
        done = true;
        return r;
      });
      await flush();
      mock.timers.tick(999);
      await flush();
      assert.equal(done, false);
      mock.timers.tick(1);
      const results = await pending;
      assert.deepEqual(results, {
        cd: { status: 'fulfilled', value: 'deployed' },
        deploy: { status: 'timeout' },
      });
      assert.equal(hungSignal?.aborted, true);
      assert.equal((hungSignal?.reason as DOMException).name, 'TimeoutError');
    }));

  it('waits out a deadline past 2^31 − 1 ms instead of timing the sources out at once', () =>
    withMockTimers(async () => {
      const month = 30 * 86_400_000;
      let done = false;
      let release!: (value: string) => void;
      const pending = fanOut(
        {
          slow: () => new Promise<string>((resolve) => (release = resolve)),
          hung: never,
        },
        { timeout: month },
      ).then((r) => {
        done = true;
        return r;
      });
      await flush();
      mock.timers.tick(5);
      await flush();
      assert.equal(done, false, 'a 30-day deadline did not strike after 5 ms');
      mock.timers.tick(month - 6);
      release('late but in time');
      await flush();
      assert.equal(done, false);
      mock.timers.tick(1);
      assert.deepEqual(await pending, {
        slow: { status: 'fulfilled', value: 'late but in time' },
        hung: { status: 'timeout' },
      });
    }));

  it('does not cancel the other sources when one fails', async () => {
    let sibling: AbortSignal | undefined;
    let release!: () => void;
    const pending = fanOut(
      {
        bad: () => Promise.reject(new Error('x')),
        slow: async (signal) => {
          sibling = signal;
          await new Promise<void>((resolve) => (release = resolve));
          return signal.aborted;
        },
      },
      { timeout: 60_000 },
    );
    await flush();
    assert.equal(sibling?.aborted, false);
    release();
    const results = await pending;
    assert.deepEqual(results.slow, { status: 'fulfilled', value: false });
    assert.equal(results.bad.status, 'rejected');
  });

  it('keeps the result unchanged when a source settles after the deadline', () =>
    withMockTimers(async () => {
      let settle!: (v: string) => void;
      let fail!: (e: unknown) => void;
      const pending = fanOut(
        {
          late: () => new Promise<string>((resolve) => (settle = resolve)),
          lateFail: () => new Promise<string>((_, reject) => (fail = reject)),
        },
        { timeout: 50 },
      );
      await flush();
      mock.timers.tick(50);
      const results = await pending;
      settle('too late');
      fail(new Error('too late'));
      await flush();
      assert.deepEqual(results, { late: { status: 'timeout' }, lateFail: { status: 'timeout' } });
    }));

  it('counts a synchronous throw as a rejection', async () => {
    const results = await fanOut(
      [
        () => {
          throw new TypeError('sync');
        },
      ],
      { timeout: 100 },
    );
    assert.equal(results[0].status, 'rejected');
  });

  it('aborts the sources after they all settle in time, leaving no timer and no listener', async () => {
    const parent = new AbortController();
    const before = timers();
    let seen: AbortSignal | undefined;
    await fanOut(
      {
        a: async (signal) => {
          seen = signal;
        },
      },
      { timeout: 60_000, signal: parent.signal },
    );
    assert.equal(seen?.aborted, true);
    assert.equal((seen?.reason as DOMException).name, 'AbortError');
    assert.equal(timers(), before);
    assert.equal(listeners(parent.signal), 0);
  });

  it('rejects with the caller signal reason, aborting the sources with it', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const pending = fanOut(
      {
        a: (signal) => {
          seen = signal;
          return never();
        },
      },
      { timeout: 60_000, signal: parent.signal },
    );
    await flush();
    parent.abort('client left');
    await assert.rejects(pending, (e) => e === 'client left');
    assert.equal(seen?.reason, 'client left');
    assert.equal(listeners(parent.signal), 0);
  });

  it('rejects at once with an already-aborted signal without calling any source', async () => {
    let called = false;
    await assert.rejects(
      fanOut({ a: async () => void (called = true) }, { timeout: 10, signal: AbortSignal.abort('no') }),
      (e) => e === 'no',
    );
    assert.equal(called, false);
  });

  it('with a limit, reports the sources that never started by the deadline as timeouts', () =>
    withMockTimers(async () => {
      const started: string[] = [];
      const pending = fanOut(
        {
          first: () => {
            started.push('first');
            return never();
          },
          second: async () => void started.push('second'),
        },
        { timeout: 100, limit: 1 },
      );
      await flush();
      mock.timers.tick(100);
      const results = await pending;
      await flush();
      assert.deepEqual(started, ['first']);
      assert.deepEqual(results, { first: { status: 'timeout' }, second: { status: 'timeout' } });
    }));

  it('leaves no timer and no listener after 100,000 calls cut short by their caller', async () => {
    const before = timers();
    for (let i = 0; i < 100_000; i++) {
      const caller = new AbortController();
      const pending = fanOut({ a: never, b: async () => 1 }, { timeout: 60_000, signal: caller.signal });
      caller.abort('stop');
      await pending.catch(() => {});
      assert.equal(listeners(caller.signal), 0);
    }
    assert.equal(timers(), before);
  });

  it('leaves a long-lived caller signal with no listener after 20,000 completed calls', async () => {
    const parent = new AbortController();
    const before = timers();
    for (let i = 0; i < 20_000; i++) {
      await fanOut({ a: async () => i }, { timeout: 60_000, signal: parent.signal });
    }
    assert.equal(listeners(parent.signal), 0);
    assert.equal(timers(), before);
  });

  it('reports each source by the model: settled before the deadline or timeout', () =>
    withMockTimers(async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ kind: fc.constantFrom('ok', 'fail', 'hang'), at: fc.integer({ min: 1, max: 10 }) }),
            { maxLength: 8 },
          ),
          fc.integer({ min: 0, max: 10 }),
          fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
          async (specs, deadlineStep, limit) => {
            // Source times are non-zero multiples of 10 and the deadline falls between them: a 5 ms step
            // never fires a source's timer and the deadline together, and a source started late still gets >= 10 ms.
            const deadline = deadlineStep * 10 + 5;
            const errors = specs.map((_, i) => new Error(`source ${i}`));
            const signals: AbortSignal[] = [];
            const starts: number[] = [];
            let clock = 0;
            const sources = specs.map(({ kind, at }, i): FanOutSource => (signal) => {
              signals.push(signal);
              starts[i] = clock;
              if (kind === 'hang') return never();
              return new Promise((resolve, reject) =>
                setTimeout(() => (kind === 'ok' ? resolve(i) : reject(errors[i])), at * 10),
              );
            });
            let outcome: unknown;
            const pending = fanOut(sources, { timeout: deadline, limit }).then((r) => (outcome = r));
            await flush();
            // Advance time 5 ms at a time, letting promise reactions run between steps as real time would.
            while (outcome === undefined) {
              mock.timers.tick(5);
              clock += 5;
              await flush();
            }
            await pending;
            assert.ok(clock <= deadline, `finished at ${clock}; want <= ${deadline}`);
            const results = outcome as FanOutResult<unknown>[];
            // The reference model: a source started at `start` settles at start + at*10 unless it hangs.
            specs.forEach(({ kind, at }, i) => {
              const start = starts[i];
              const settlesAt = start === undefined || kind === 'hang' ? Infinity : start + at * 10;
              const want: FanOutResult<unknown> =
                settlesAt >= deadline
                  ? { status: 'timeout' }
                  : kind === 'ok'
                    ? { status: 'fulfilled', value: i }
                    : { status: 'rejected', reason: errors[i] };
              assert.deepEqual(results[i], want, `source ${i} (${kind} at ${at * 10}, started ${start})`);
            });
            assert.ok(signals.every((s) => s.aborted));
            if (limit === undefined) assert.equal(signals.length, specs.length);
          },
        ),
        { numRuns: 300 },
      );
    }));

  describe('misuse', () => {
    it('rejects bad arguments with an error quoting the value', async () => {
      await assert.rejects(fanOut({ a: async () => 1 }, { timeout: -1 }), {
        name: 'RangeError',
        message: 'fanOut: expected `timeout` to be a number from 0 and up (or Infinity), got `-1` (number)',
      });
      await assert.rejects(fanOut({ a: 'x' as unknown as FanOutSource }, { timeout: 1 }), {
        name: 'TypeError',
        message: 'fanOut: expected source "a" to be a function, got `"x"` (string)',
      });
      await assert.rejects(fanOut(null as unknown as [], { timeout: 1 }), TypeError);
      await assert.rejects(fanOut([], undefined as unknown as FanOutOptions), TypeError);
      await assert.rejects(fanOut([], { timeout: 1, limit: 0 }), RangeError);
      await assert.rejects(fanOut([], { timeout: 1, signal: 'x' as unknown as AbortSignal }), TypeError);
    });
  });

  it('has the documented types', () => {
    const keyed = fanOut({ n: async () => 1, s: (_signal: AbortSignal) => 'x' }, { timeout: 1 });
    expectTypeOf(keyed).toEqualTypeOf<Promise<{ n: FanOutResult<number>; s: FanOutResult<string> }>>();
    const tuple = fanOut([async () => true, async () => [1]], { timeout: 1 });
    expectTypeOf(tuple).toEqualTypeOf<Promise<[FanOutResult<boolean>, FanOutResult<number[]>]>>();
    expectTypeOf<FanOutResult<number>>().toEqualTypeOf<
      { status: 'fulfilled'; value: number } | { status: 'rejected'; reason: unknown } | { status: 'timeout' }
    >();
    void keyed;
    void tuple;
  });
});
