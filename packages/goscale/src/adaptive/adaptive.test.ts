import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { adaptive, AdaptiveLimit } from './adaptive.js';
import { isOverloadError } from './overload.js';
import { scripted } from './testing/scripted.js';
import type { LimitChange } from './types.js';

const withStatus = (status: number, key = 'status') =>
  Object.assign(new Error(`HTTP ${status}`), { [key]: status });

describe('adaptive', () => {
  it('starts at initial (default 8, within [min, max]) with gradient2 and reports the algorithm', () => {
    const table: [Parameters<typeof adaptive>[0], number][] = [
      [{}, 8],
      [{ initial: 3 }, 3],
      [{ min: 10 }, 10],
      [{ max: 5 }, 5],
      [{ initial: 1, min: 1, max: 1 }, 1],
    ];
    for (const [options, want] of table) {
      assert.equal(adaptive(options).current, want, `adaptive(${JSON.stringify(options)}).current`);
    }
    assert.equal(adaptive().algorithm, 'gradient2');
    assert.equal(adaptive({ algorithm: 'aimd' }).algorithm, 'aimd');
    assert.equal(adaptive({ algorithm: 'vegas' }).algorithm, 'vegas');
    assert.ok(adaptive() instanceof AdaptiveLimit);
  });

  it('rejects bad options with an error naming the option and quoting the value', () => {
    const table: [unknown, RegExp][] = [
      [{ initial: 0 }, /adaptive: expected `initial` to be an integer from 1 and up, got `0` \(number\)/],
      [{ initial: 20, max: 10 }, /adaptive: expected `initial` to be within \[1, 10\], got `20` \(number\)/],
      [{ min: 1.5 }, /adaptive: expected `min` to be an integer from 1 and up, got `1.5` \(number\)/],
      [{ max: Infinity }, /adaptive: expected `max` to be an integer from 1 and up, got `Infinity`/],
      [{ min: 5, max: 4 }, /adaptive: expected `max` \(4\) to be at least `min` \(5\)/],
      [
        { algorithm: 'reno' },
        /adaptive: expected `algorithm` to be 'gradient2', 'aimd', 'vegas' or a factory, got `"reno"` \(string\)/,
      ],
      [
        { algorithm: () => null },
        /adaptive: the `algorithm` factory returned `null` \(null\), not an algorithm/,
      ],
      [{ isOverload: 503 }, /adaptive: expected `isOverload` to be a function, got `503` \(number\)/],
      [{ now: Date }, /adaptive: expected `now` to be a function/],
      [{ now: 'performance' }, /adaptive: expected `now` to be a function, got `"performance"` \(string\)/],
      [{ onChange: true }, /adaptive: expected `onChange` to be a function, got `true` \(boolean\)/],
      [null, /adaptive: expected `options` to be an object, got `null` \(null\)/],
      [{ initial: '4' }, /adaptive: expected `initial` to be a number, got `"4"` \(string\)/],
    ];
    for (const [options, want] of table) {
      if (
        want.source.includes('`now` to be a function') &&
        typeof (options as { now: unknown }).now === 'function'
      ) {
        continue; // Date is a function: accepted, as any clock is.
      }
      assert.throws(() => adaptive(options as never), want, `adaptive(${String(JSON.stringify(options))})`);
    }
  });

  it('reports each change of the limit in force to onChange, with its cause and signals', () => {
    const clock = { now: 0 };
    const changes: LimitChange[] = [];
    const estimates = [4.5, 4.9, 6, 6.2, 2];
    const { factory } = scripted((_s, i) => estimates[i]);
    const limit = adaptive({
      initial: 4,
      algorithm: factory,
      now: () => clock.now,
      onChange: (c) => changes.push(c),
    });
    for (let i = 0; i < estimates.length; i++) {
      clock.now = 10 * (i + 1);
      limit.record(0, 1, false, undefined);
    }
    // 4.5 and 4.9 keep 4 in force; 6.2 keeps 6: only integer changes are reported.
    assert.deepEqual(
      changes.map((c) => [c.previous, c.limit, c.at, c.cause, c.estimate, c.algorithm]),
      [
        [4, 6, 30, 'script', 6, 'scripted'],
        [6, 2, 50, 'script', 2, 'scripted'],
      ],
    );
    assert.deepEqual(changes[0]!.signals, { n: 3 });
    assert.equal(limit.current, 2);
  });

  it('keeps a custom estimate within [min, max] and ignores NaN', () => {
    const estimates = [50, 0, Number.NaN];
    const { factory } = scripted((_s, i) => estimates[i]);
    const limit = adaptive({ initial: 5, min: 2, max: 10, algorithm: factory });
    const seen: number[] = [];
    for (let i = 0; i < estimates.length; i++) {
      limit.record(0, 1, false, undefined);
      seen.push(limit.current);
    }
    assert.deepEqual(seen, [10, 2, 2]);
  });

  it('samples successes and overloads only: aborts and other failures leave the algorithm untouched', () => {
    const clock = { now: 100 };
    const { factory, samples } = scripted();
    const limit = adaptive({ algorithm: factory, now: () => clock.now });
    limit.record(40, 3, false, undefined);
    limit.record(50, 2, true, withStatus(503));
    limit.record(60, 2, true, new DOMException('The operation was aborted', 'AbortError'));
    limit.record(60, 2, true, withStatus(500));
    limit.record(60, 2, true, new Error('boom'));
    limit.record(70, 1, true, new DOMException('Signal timed out', 'TimeoutError'));
    assert.deepEqual(samples, [
      { start: 40, rtt: 60, inFlight: 3, overload: false },
      { start: 50, rtt: 50, inFlight: 2, overload: true },
      { start: 70, rtt: 30, inFlight: 1, overload: true },
    ]);
  });

  it('uses isOverload when given: only what it marks is an overload', () => {
    const { factory, samples } = scripted();
    const limit = adaptive({
      algorithm: factory,
      now: () => 1,
      isOverload: (e) => (e as Error).message === 'busy',
    });
    limit.record(0, 1, true, withStatus(503));
    limit.record(0, 1, true, new Error('busy'));
    assert.deepEqual(
      samples.map((s) => s.overload),
      [true],
    );
  });

  it('rethrows a throwing onChange from a microtask, after the limit changed', () => {
    const { factory } = scripted(() => 3);
    const limit = adaptive({
      algorithm: factory,
      onChange: () => {
        throw new Error('listener bug');
      },
    });
    // Capture the microtask instead of letting it crash the test runner with an uncaught exception.
    const queued: (() => void)[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => void queued.push(task);
    try {
      limit.record(0, 1, false, undefined);
    } finally {
      globalThis.queueMicrotask = original;
    }
    assert.equal(limit.current, 3);
    assert.equal(queued.length, 1);
    assert.throws(queued[0]!, /listener bug/);
  });

  it('is held by one engine at a time', () => {
    const limit = adaptive();
    limit.claim('map');
    assert.throws(
      () => limit.claim('Group'),
      /Group: this adaptive\(\) limit is in use by map; give each map, limit and Group its own/,
    );
    limit.unclaim();
    limit.claim('Group');
  });

  it('has the documented types', () => {
    expectTypeOf(adaptive().current).toEqualTypeOf<number>();
    expectTypeOf(adaptive).parameter(0).toEqualTypeOf<import('./adaptive.js').AdaptiveOptions | undefined>();
  });
});

describe('isOverloadError', () => {
  const table: [unknown, boolean][] = [
    [withStatus(429), true],
    [withStatus(503), true],
    [withStatus(503, 'statusCode'), true],
    [{ status: 429 }, true],
    [withStatus(500), false],
    [withStatus(404), false],
    [{ status: '503' }, false],
    [new DOMException('Signal timed out', 'TimeoutError'), true],
    [Object.assign(new Error('slow'), { name: 'TimeoutError' }), true],
    [new DOMException('aborted', 'AbortError'), false],
    [new Error('503'), false],
    [null, false],
    [503, false],
  ];
  for (const [error, want] of table) {
    it(`isOverloadError(${error instanceof Error ? `${error.name} ${JSON.stringify(error)}` : JSON.stringify(error)}) = ${want}`, () => {
      assert.equal(isOverloadError(error), want);
    });
  }
});
